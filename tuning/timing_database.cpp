#include "tuning/timing_database.h"

#include <sqlite3.h>

#include <ctime>
#include <memory>
#include <vector>

#include "ir/error.h"

namespace kiln::tuning {
namespace {

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS block_times (
  signature   TEXT    NOT NULL,
  target      TEXT    NOT NULL,
  machine     TEXT    NOT NULL,
  threads     INTEGER NOT NULL,
  config      TEXT    NOT NULL,
  median_s    REAL    NOT NULL,
  p10_s       REAL    NOT NULL,
  p90_s       REAL    NOT NULL,
  runs        INTEGER NOT NULL,
  measured_at TEXT    NOT NULL,
  PRIMARY KEY (signature, target, machine, threads, config)
);
CREATE TABLE IF NOT EXISTS tuned_configs (
  signature   TEXT    NOT NULL,
  target      TEXT    NOT NULL,
  machine     TEXT    NOT NULL,
  threads     INTEGER NOT NULL,
  config      TEXT    NOT NULL,
  speedup     REAL    NOT NULL,
  tuned_at    TEXT    NOT NULL,
  PRIMARY KEY (signature, target, machine, threads)
);
CREATE TABLE IF NOT EXISTS plan_figures (
  machine        TEXT NOT NULL PRIMARY KEY,
  core_flops     REAL NOT NULL,
  all_core_flops REAL NOT NULL,
  bandwidth      REAL NOT NULL,
  recorded_at    TEXT NOT NULL
);)sql";

// Each table and its columns in order, `{}` standing for the machine (imported rows take the importer's).
struct Table {
  const char* name;
  const char* columns;
};
constexpr Table kTables[] = {
    {"block_times", "signature, target, {}, threads, config, median_s, p10_s, p90_s, runs, measured_at"},
    {"tuned_configs", "signature, target, {}, threads, config, speedup, tuned_at"},
    {"plan_figures", "{}, core_flops, all_core_flops, bandwidth, recorded_at"},
};

using Statement = std::unique_ptr<sqlite3_stmt, decltype(&sqlite3_finalize)>;

Statement prepare(sqlite3* db, const std::filesystem::path& path, const char* sql) {
  sqlite3_stmt* statement = nullptr;
  if (sqlite3_prepare_v2(db, sql, -1, &statement, nullptr) != SQLITE_OK)
    fail("tuning database {}: {}", path.string(), sqlite3_errmsg(db));
  return {statement, sqlite3_finalize};
}

void bindKey(sqlite3_stmt* statement, const TimingKey& key, bool with_config = true) {
  sqlite3_bind_text(statement, 1, key.signature.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(statement, 2, key.target.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(statement, 3, key.machine.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_int(statement, 4, key.threads);
  if (with_config) sqlite3_bind_text(statement, 5, key.config.c_str(), -1, SQLITE_TRANSIENT);
}

std::string now() {
  const std::time_t t = std::time(nullptr);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
  return text;
}

// Stamps parameter `index` of an insert with the current UTC time and runs it; kiln::Error if it cannot
// write.
void insertStamped(sqlite3* db, const std::filesystem::path& path, sqlite3_stmt* insert, int index) {
  const std::string stamp = now();
  sqlite3_bind_text(insert, index, stamp.c_str(), -1, SQLITE_TRANSIENT);
  if (sqlite3_step(insert) != SQLITE_DONE)
    fail("could not write to the tuning database {}: {}", path.string(), sqlite3_errmsg(db));
}

// Runs one statement that returns no rows; kiln::Error naming the database and `what` failed.
void execute(sqlite3* db, const std::filesystem::path& path, const std::string& sql, const char* what) {
  char* error = nullptr;
  if (sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error) != SQLITE_OK) {
    const std::string why = error ? error : sqlite3_errmsg(db);
    sqlite3_free(error);
    fail("tuning database {}: could not {}: {}", path.string(), what, why);
  }
}

std::string quoted(const std::string& text) {
  char* sql = sqlite3_mprintf("%Q", text.c_str());
  std::string result = sql;
  sqlite3_free(sql);
  return result;
}

}  // namespace

std::string machineKind(const std::string& machine) {
  const size_t on = machine.rfind(" on ");
  return on == std::string::npos ? machine : machine.substr(0, on);
}

TimingDatabase::TimingDatabase(const std::filesystem::path& path) : path_(path) {
  std::error_code ec;
  if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path(), ec);
  if (sqlite3_open(path.c_str(), &db_) != SQLITE_OK) {
    const std::string why = db_ ? sqlite3_errmsg(db_) : "out of memory";
    sqlite3_close(db_);
    fail("cannot open the tuning database {}: {}", path.string(), why);
  }
  sqlite3_busy_timeout(db_, 30000);
  // The schema under an immediate transaction: a deferred one that reads and then writes would get
  // SQLITE_BUSY at once, without the busy timeout, when another process creates the table first. Write-ahead
  // logging is a persistent setting of the file; a connection that finds the file busy leaves it to the one
  // holding it.
  char* error = nullptr;
  const std::string schema = fmt::format("BEGIN IMMEDIATE; {} COMMIT;", kSchema);
  int status = sqlite3_exec(db_, schema.c_str(), nullptr, nullptr, &error);
  if (status == SQLITE_OK) {
    status = sqlite3_exec(db_, "PRAGMA journal_mode=WAL;", nullptr, nullptr, &error);
    if (status == SQLITE_BUSY) status = SQLITE_OK;
  }
  if (status != SQLITE_OK) {
    const std::string why = error ? error : sqlite3_errstr(status);
    sqlite3_free(error);
    sqlite3_close(db_);
    fail("{} is not a kiln tuning database ({}); give another --db file or remove it", path.string(), why);
  }
}

TimingDatabase::~TimingDatabase() {
  sqlite3_close(db_);
}

std::optional<BlockTiming> TimingDatabase::find(const TimingKey& key) const {
  Statement select = prepare(db_, path_,
                             "SELECT median_s, p10_s, p90_s, runs FROM block_times WHERE signature = ?1 AND "
                             "target = ?2 AND machine = ?3 AND threads = ?4 AND config = ?5;");
  bindKey(select.get(), key);
  const int step = sqlite3_step(select.get());
  if (step == SQLITE_DONE) return std::nullopt;
  if (step != SQLITE_ROW) fail("tuning database {}: {}", path_.string(), sqlite3_errmsg(db_));
  return BlockTiming{sqlite3_column_double(select.get(), 0), sqlite3_column_double(select.get(), 1),
                     sqlite3_column_double(select.get(), 2), sqlite3_column_int(select.get(), 3)};
}

std::optional<std::string> TimingDatabase::tunedConfig(const TimingKey& key) const {
  Statement select = prepare(db_, path_,
                             "SELECT config FROM tuned_configs WHERE signature = ?1 AND target = ?2 AND "
                             "machine = ?3 AND threads = ?4;");
  bindKey(select.get(), key, false);
  const int step = sqlite3_step(select.get());
  if (step == SQLITE_DONE) return std::nullopt;
  if (step != SQLITE_ROW) fail("tuning database {}: {}", path_.string(), sqlite3_errmsg(db_));
  return std::string(reinterpret_cast<const char*>(sqlite3_column_text(select.get(), 0)));
}

void TimingDatabase::storeTunedConfig(const TimingKey& key, double speedup) {
  Statement insert =
      prepare(db_, path_, "INSERT OR REPLACE INTO tuned_configs VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7);");
  bindKey(insert.get(), key);
  sqlite3_bind_double(insert.get(), 6, speedup);
  insertStamped(db_, path_, insert.get(), 7);
}

int TimingDatabase::exportRows(const std::string& machine, const std::filesystem::path& file) const {
  // Written beside the file and renamed over it when complete, so a failed export leaves nothing behind.
  std::filesystem::path partial = file;
  partial += ".partial";
  std::error_code ignored;
  std::filesystem::remove(partial, ignored);
  TimingDatabase{partial};  // creates the schema
  execute(db_, path_, fmt::format("ATTACH DATABASE {} AS exported;", quoted(partial.string())),
          "open the export");
  int rows = 0;
  try {
    for (const Table& table : kTables) {
      execute(db_, path_,
              fmt::format("INSERT INTO exported.{0} SELECT * FROM main.{0} WHERE machine = {1};", table.name,
                          quoted(machine)),
              "export rows");
      rows += sqlite3_changes(db_);
    }
  } catch (...) {
    execute(db_, path_, "DETACH DATABASE exported;", "close the export");
    std::filesystem::remove(partial, ignored);
    throw;
  }
  execute(db_, path_, "DETACH DATABASE exported;", "close the export");
  std::filesystem::rename(partial, file);
  return rows;
}

TimingDatabase::ImportCounts TimingDatabase::importRows(const std::filesystem::path& file,
                                                        const std::string& machine) {
  if (!std::filesystem::is_regular_file(file)) fail("cannot import {}: no such file", file.string());
  TimingDatabase{file};  // refuses a file that is not a tuning database
  execute(db_, path_, fmt::format("ATTACH DATABASE {} AS imported;", quoted(file.string())),
          "open the import");
  ImportCounts counts;
  const std::string kind = quoted(machineKind(machine));
  try {
    execute(db_, path_, "BEGIN IMMEDIATE;", "start the import");
    for (const Table& table : kTables) {
      execute(
          db_, path_,
          fmt::format("INSERT OR REPLACE INTO main.{0} SELECT {1} FROM imported.{0} WHERE machine = {2} OR "
                      "substr(machine, 1, length({2}) + 4) = {2} || ' on ';",
                      table.name, fmt::format(fmt::runtime(table.columns), quoted(machine)), kind),
          "import rows");
      counts.imported += sqlite3_changes(db_);
      Statement others = prepare(db_, path_,
                                 fmt::format("SELECT count(*) FROM imported.{0} WHERE NOT (machine = {1} OR "
                                             "substr(machine, 1, length({1}) + 4) = {1} || ' on ');",
                                             table.name, kind)
                                     .c_str());
      if (sqlite3_step(others.get()) == SQLITE_ROW)
        counts.other_machines += sqlite3_column_int(others.get(), 0);
    }
    execute(db_, path_, "COMMIT;", "finish the import");
  } catch (...) {
    sqlite3_exec(db_, "ROLLBACK;", nullptr, nullptr, nullptr);
    execute(db_, path_, "DETACH DATABASE imported;", "close the import");
    throw;
  }
  execute(db_, path_, "DETACH DATABASE imported;", "close the import");
  return counts;
}

std::optional<PlanFigures> TimingDatabase::planFigures(const std::string& machine) const {
  Statement select = prepare(
      db_, path_, "SELECT core_flops, all_core_flops, bandwidth FROM plan_figures WHERE machine = ?1;");
  sqlite3_bind_text(select.get(), 1, machine.c_str(), -1, SQLITE_TRANSIENT);
  const int step = sqlite3_step(select.get());
  if (step == SQLITE_DONE) return std::nullopt;
  if (step != SQLITE_ROW) fail("tuning database {}: {}", path_.string(), sqlite3_errmsg(db_));
  return PlanFigures{sqlite3_column_double(select.get(), 0), sqlite3_column_double(select.get(), 1),
                     sqlite3_column_double(select.get(), 2)};
}

PlanFigures TimingDatabase::keepPlanFigures(const std::string& machine, const PlanFigures& figures) {
  Statement insert = prepare(db_, path_, "INSERT OR IGNORE INTO plan_figures VALUES (?1, ?2, ?3, ?4, ?5);");
  sqlite3_bind_text(insert.get(), 1, machine.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_double(insert.get(), 2, figures.core_flops);
  sqlite3_bind_double(insert.get(), 3, figures.all_core_flops);
  sqlite3_bind_double(insert.get(), 4, figures.bandwidth);
  insertStamped(db_, path_, insert.get(), 5);
  return *planFigures(machine);
}

void TimingDatabase::store(const TimingKey& key, const BlockTiming& timing) {
  Statement insert = prepare(
      db_, path_, "INSERT OR REPLACE INTO block_times VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10);");
  bindKey(insert.get(), key);
  sqlite3_bind_double(insert.get(), 6, timing.median_seconds);
  sqlite3_bind_double(insert.get(), 7, timing.p10_seconds);
  sqlite3_bind_double(insert.get(), 8, timing.p90_seconds);
  sqlite3_bind_int(insert.get(), 9, timing.runs);
  insertStamped(db_, path_, insert.get(), 10);
}

}  // namespace kiln::tuning
