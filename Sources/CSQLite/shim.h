#include <sqlite3.h>

// sqlite3_config is variadic, which Swift cannot call; these wrappers can be.
// Memory statistics take a global mutex on every allocation; the exporter never reads them.
static inline int csqlite_disable_memory_statistics(void) {
    return sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}
