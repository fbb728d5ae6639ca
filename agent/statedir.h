/* statedir.h — the agent's state directory: checked by `run --check` (creatable and writable
 * by this user) and locked by `run` (flock on state_dir/lock, holding the agent's pid), so
 * that two agents never share checkpoints. */
#ifndef LW_STATEDIR_H
#define LW_STATEDIR_H

#include <stddef.h>

/* Can this user create (if missing) and write in dir? Returns 0, or -1 with why (e.g.
 * "/var/lib is not writable by uid 1000 (Permission denied)") in err. Creates nothing. */
int lw_statedir_check(const char *dir, char *err, size_t errlen);

/* Create dir (and its parents) if missing, then take an exclusive lock on dir/lock and write
 * this process's pid into it. Returns the lock's descriptor (kept open for the process's life;
 * close it to release), or -1 with why in err; *holder is set to the pid of the agent that
 * holds the lock when that is why (0 otherwise). */
int lw_statedir_lock(const char *dir, long *holder, char *err, size_t errlen);

#endif
