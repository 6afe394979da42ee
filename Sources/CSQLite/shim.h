#include <sqlite3.h>

// sqlite3_config is variadic, which Swift cannot call; these wrappers can be.
// Memory statistics take a global mutex on every allocation; the exporter never reads them.
static inline int csqlite_disable_memory_statistics(void) {
    return sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

// ---------------------------------------------------------------------------------------------
// pending_calls: an eponymous virtual table over the batch of calls the store is about to
// insert, so a batch is stored by ONE statement, `INSERT INTO calls (...) SELECT ... FROM
// pending_calls`, instead of one bind-step-reset per row. Written in C, here, because SQLite
// calls xColumn once per column of every row: a C switch over a plain struct is the cheapest
// thing that can sit there (no Swift closure, no retain/release, no bounds-checked array).
// Measured in docs/performance.md (issue 14). The struct layout is the contract with
// CallStore+PendingCalls.swift, which fills `rows` and `text` and steps the statement.

#include <stdint.h>
#include <string.h>

/// A string of a pending row: `length` bytes of `csqlite_pending_batch.text` from `start`;
/// a negative length is SQL NULL.
typedef struct csqlite_pending_text {
    int32_t start;
    int32_t length;
} csqlite_pending_text;

/// One call, columns in the order of CSQLITE_PENDING_CALLS_SCHEMA.
typedef struct csqlite_pending_call {
    double ts;
    double latency_ms;
    double cost_usd;
    double ttft_ms;
    int64_t input_tokens;
    int64_t output_tokens;
    int64_t cached_input_tokens;
    int64_t reasoning_tokens;
    int64_t source_id;
    int64_t source_offset;
    int64_t record_index;
    /// Keys into the `labels` table (migration 0008-interned-labels).
    int64_t agent_id;
    int64_t model_id;
    int64_t variant_id;
    int64_t fallback_model_id;
    int64_t error_id;
    csqlite_pending_text request_id;
    /// Bit N set: column N is NULL (the numeric columns; the text says it by a negative length).
    uint32_t nulls;
    int8_t success;
    int8_t fallback;
    int8_t stream;
    int8_t cache_hit;
} csqlite_pending_call;

/// What the table shows while the store steps its statement; empty otherwise.
typedef struct csqlite_pending_batch {
    const csqlite_pending_call *rows;
    int64_t count;
    const char *text;
} csqlite_pending_batch;

enum {
    CSQLITE_PC_TS, CSQLITE_PC_REQUEST_ID, CSQLITE_PC_AGENT_ID, CSQLITE_PC_MODEL_ID, CSQLITE_PC_VARIANT_ID,
    CSQLITE_PC_SUCCESS, CSQLITE_PC_FALLBACK, CSQLITE_PC_FALLBACK_MODEL_ID, CSQLITE_PC_ERROR_ID,
    CSQLITE_PC_LATENCY_MS, CSQLITE_PC_COST_USD, CSQLITE_PC_INPUT_TOKENS, CSQLITE_PC_OUTPUT_TOKENS,
    CSQLITE_PC_SOURCE_ID, CSQLITE_PC_SOURCE_OFFSET, CSQLITE_PC_STREAM, CSQLITE_PC_TTFT_MS,
    CSQLITE_PC_CACHED_INPUT_TOKENS, CSQLITE_PC_REASONING_TOKENS, CSQLITE_PC_CACHE_HIT,
    CSQLITE_PC_RECORD_INDEX,
};

#define CSQLITE_PENDING_CALLS_SCHEMA \
    "CREATE TABLE x(ts REAL, request_id TEXT, agent_id INTEGER, model_id INTEGER, variant_id INTEGER," \
    " success INTEGER, fallback INTEGER, fallback_model_id INTEGER, error_id INTEGER, latency_ms REAL, cost_usd REAL," \
    " input_tokens INTEGER, output_tokens INTEGER, source_id INTEGER, source_offset INTEGER," \
    " stream INTEGER, ttft_ms REAL, cached_input_tokens INTEGER, reasoning_tokens INTEGER," \
    " cache_hit INTEGER, record_index INTEGER)"

typedef struct csqlite_pending_vtab {
    sqlite3_vtab base;
    csqlite_pending_batch *batch;
} csqlite_pending_vtab;

typedef struct csqlite_pending_cursor {
    sqlite3_vtab_cursor base;
    int64_t row;
} csqlite_pending_cursor;

static int csqlite_pc_connect(sqlite3 *db, void *aux, int argc, const char *const *argv,
                              sqlite3_vtab **out, char **error) {
    (void)argc; (void)argv; (void)error;
    int rc = sqlite3_declare_vtab(db, CSQLITE_PENDING_CALLS_SCHEMA);
    if (rc != SQLITE_OK) return rc;
    csqlite_pending_vtab *table = sqlite3_malloc(sizeof *table);
    if (!table) return SQLITE_NOMEM;
    memset(table, 0, sizeof *table);
    table->batch = aux;
    *out = &table->base;
    return SQLITE_OK;
}

static int csqlite_pc_disconnect(sqlite3_vtab *table) {
    sqlite3_free(table);
    return SQLITE_OK;
}

static int csqlite_pc_best_index(sqlite3_vtab *table, sqlite3_index_info *info) {
    (void)table;
    // Only ever scanned whole, in order.
    info->estimatedCost = 1000;
    info->estimatedRows = 1000;
    info->orderByConsumed = 0;
    return SQLITE_OK;
}

static int csqlite_pc_open(sqlite3_vtab *table, sqlite3_vtab_cursor **out) {
    (void)table;
    csqlite_pending_cursor *cursor = sqlite3_malloc(sizeof *cursor);
    if (!cursor) return SQLITE_NOMEM;
    memset(cursor, 0, sizeof *cursor);
    *out = &cursor->base;
    return SQLITE_OK;
}

static int csqlite_pc_close(sqlite3_vtab_cursor *cursor) {
    sqlite3_free(cursor);
    return SQLITE_OK;
}

static int csqlite_pc_filter(sqlite3_vtab_cursor *cursor, int idxNum, const char *idxStr,
                             int argc, sqlite3_value **argv) {
    (void)idxNum; (void)idxStr; (void)argc; (void)argv;
    ((csqlite_pending_cursor *)cursor)->row = 0;
    return SQLITE_OK;
}

static int csqlite_pc_next(sqlite3_vtab_cursor *cursor) {
    ((csqlite_pending_cursor *)cursor)->row += 1;
    return SQLITE_OK;
}

static int csqlite_pc_eof(sqlite3_vtab_cursor *cursor) {
    const csqlite_pending_batch *batch = ((csqlite_pending_vtab *)cursor->pVtab)->batch;
    return ((csqlite_pending_cursor *)cursor)->row >= batch->count;
}

static inline void csqlite_pc_text(sqlite3_context *context, const char *text, csqlite_pending_text value) {
    if (value.length < 0) {
        sqlite3_result_null(context);
    } else {
        // SQLITE_STATIC: the text outlives the statement's step (CallStore keeps it until reset).
        sqlite3_result_text(context, text + value.start, value.length, SQLITE_STATIC);
    }
}

static int csqlite_pc_column(sqlite3_vtab_cursor *cursor, sqlite3_context *context, int column) {
    const csqlite_pending_batch *batch = ((csqlite_pending_vtab *)cursor->pVtab)->batch;
    const csqlite_pending_call *row = &batch->rows[((csqlite_pending_cursor *)cursor)->row];
    if (row->nulls & (1u << column)) {
        sqlite3_result_null(context);
        return SQLITE_OK;
    }
    switch (column) {
    case CSQLITE_PC_TS: sqlite3_result_double(context, row->ts); break;
    case CSQLITE_PC_REQUEST_ID: csqlite_pc_text(context, batch->text, row->request_id); break;
    case CSQLITE_PC_AGENT_ID: sqlite3_result_int64(context, row->agent_id); break;
    case CSQLITE_PC_MODEL_ID: sqlite3_result_int64(context, row->model_id); break;
    case CSQLITE_PC_VARIANT_ID: sqlite3_result_int64(context, row->variant_id); break;
    case CSQLITE_PC_SUCCESS: sqlite3_result_int(context, row->success); break;
    case CSQLITE_PC_FALLBACK: sqlite3_result_int(context, row->fallback); break;
    case CSQLITE_PC_FALLBACK_MODEL_ID: sqlite3_result_int64(context, row->fallback_model_id); break;
    case CSQLITE_PC_ERROR_ID: sqlite3_result_int64(context, row->error_id); break;
    case CSQLITE_PC_LATENCY_MS: sqlite3_result_double(context, row->latency_ms); break;
    case CSQLITE_PC_COST_USD: sqlite3_result_double(context, row->cost_usd); break;
    case CSQLITE_PC_INPUT_TOKENS: sqlite3_result_int64(context, row->input_tokens); break;
    case CSQLITE_PC_OUTPUT_TOKENS: sqlite3_result_int64(context, row->output_tokens); break;
    case CSQLITE_PC_SOURCE_ID: sqlite3_result_int64(context, row->source_id); break;
    case CSQLITE_PC_SOURCE_OFFSET: sqlite3_result_int64(context, row->source_offset); break;
    case CSQLITE_PC_STREAM: sqlite3_result_int(context, row->stream); break;
    case CSQLITE_PC_TTFT_MS: sqlite3_result_double(context, row->ttft_ms); break;
    case CSQLITE_PC_CACHED_INPUT_TOKENS: sqlite3_result_int64(context, row->cached_input_tokens); break;
    case CSQLITE_PC_REASONING_TOKENS: sqlite3_result_int64(context, row->reasoning_tokens); break;
    case CSQLITE_PC_CACHE_HIT: sqlite3_result_int(context, row->cache_hit); break;
    case CSQLITE_PC_RECORD_INDEX: sqlite3_result_int64(context, row->record_index); break;
    default: sqlite3_result_null(context); break;
    }
    return SQLITE_OK;
}

static int csqlite_pc_rowid(sqlite3_vtab_cursor *cursor, sqlite3_int64 *rowid) {
    *rowid = ((csqlite_pending_cursor *)cursor)->row;
    return SQLITE_OK;
}

/// Registers `pending_calls` on one connection and returns the batch it shows (owned by the
/// connection: freed when it closes), or NULL when SQLite refused.
static inline csqlite_pending_batch *csqlite_register_pending_calls(sqlite3 *db) {
    // xCreate NULL: eponymous-only, it exists as `pending_calls` and cannot be CREATEd.
    static sqlite3_module module = {
        .iVersion = 0,
        .xCreate = 0,
        .xConnect = csqlite_pc_connect,
        .xBestIndex = csqlite_pc_best_index,
        .xDisconnect = csqlite_pc_disconnect,
        .xDestroy = 0,
        .xOpen = csqlite_pc_open,
        .xClose = csqlite_pc_close,
        .xFilter = csqlite_pc_filter,
        .xNext = csqlite_pc_next,
        .xEof = csqlite_pc_eof,
        .xColumn = csqlite_pc_column,
        .xRowid = csqlite_pc_rowid,
    };
    csqlite_pending_batch *batch = sqlite3_malloc(sizeof *batch);
    if (!batch) return 0;
    memset(batch, 0, sizeof *batch);
    // On failure SQLite calls the destructor itself.
    if (sqlite3_create_module_v2(db, "pending_calls", &module, batch, sqlite3_free) != SQLITE_OK) return 0;
    return batch;
}
