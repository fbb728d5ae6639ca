/* main.c — logwire's command-line entry point. */
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv) {
  if (argc > 1 && strcmp(argv[1], "--version") == 0) {
    puts("logwire 0.1.0");
    return 0;
  }
  fprintf(stderr, "usage: logwire COMMAND [OPTIONS]\n");
  return 2;
}
