/* shim.h: Debian's SQLite (libsqlite3-dev) for the embedded store. SQLITE_TRANSIENT is a
 * cast macro Swift cannot import: this function stands in for it. */
#include <sqlite3.h>

static inline sqlite3_destructor_type vouch_sqlite_transient(void) { return SQLITE_TRANSIENT; }
