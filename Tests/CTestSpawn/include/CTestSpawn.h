// glibc's posix_spawn_file_actions_addclosefrom_np (2.34+), which Swift's Glibc module does not
// export (a GNU extension): the tests' child processes close every inherited descriptor above
// the standard three, as Foundation's Process did.
#ifndef BERTH_CTESTSPAWN_H
#define BERTH_CTESTSPAWN_H
#include <spawn.h>

/// Adds "close every descriptor from `lowest` up" to `actions`. Returns 0 or an errno value.
int berth_spawn_close_from(posix_spawn_file_actions_t *actions, int lowest);
#endif
