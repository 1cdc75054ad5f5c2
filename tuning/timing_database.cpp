#include "tuning/timing_database.h"

#include <sqlite3.h>

#include <ctime>
#include <memory>

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
);)sql";

using Statement = std::unique_ptr<sqlite3_stmt, decltype(&sqlite3_finalize)>;

Statement prepare(sqlite3* db, const std::filesystem::path& path, const char* sql) {
  sqlite3_stmt* statement = nullptr;
  if (sqlite3_prepare_v2(db, sql, -1, &statement, nullptr) != SQLITE_OK)
    fail("tuning database {}: {}", path.string(), sqlite3_errmsg(db));
  return {statement, sqlite3_finalize};
}

void bindKey(sqlite3_stmt* statement, const TimingKey& key) {
  sqlite3_bind_text(statement, 1, key.signature.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(statement, 2, key.target.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(statement, 3, key.machine.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_int(statement, 4, key.threads);
  sqlite3_bind_text(statement, 5, key.config.c_str(), -1, SQLITE_TRANSIENT);
}

std::string now() {
  const std::time_t t = std::time(nullptr);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
  return text;
}

}  // namespace

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

void TimingDatabase::store(const TimingKey& key, const BlockTiming& timing) {
  Statement insert = prepare(
      db_, path_, "INSERT OR REPLACE INTO block_times VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10);");
  bindKey(insert.get(), key);
  sqlite3_bind_double(insert.get(), 6, timing.median_seconds);
  sqlite3_bind_double(insert.get(), 7, timing.p10_seconds);
  sqlite3_bind_double(insert.get(), 8, timing.p90_seconds);
  sqlite3_bind_int(insert.get(), 9, timing.runs);
  const std::string measured_at = now();
  sqlite3_bind_text(insert.get(), 10, measured_at.c_str(), -1, SQLITE_TRANSIENT);
  if (sqlite3_step(insert.get()) != SQLITE_DONE)
    fail("could not write to the tuning database {}: {}", path_.string(), sqlite3_errmsg(db_));
}

}  // namespace kiln::tuning
