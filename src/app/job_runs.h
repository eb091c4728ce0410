/*
 * job_runs.h — the last run of each scheduled job (table job_runs,
 * migration 0080), recorded by the commands that the timers run and read
 * by egret doctor.
 */
#ifndef EG_APP_JOB_RUNS_H
#define EG_APP_JOB_RUNS_H

#include <stdint.h>

#include "core/status.h"

struct eg_db;

struct eg_job_run {
    int64_t last_started_at;
    int64_t last_finished_at;
    int64_t last_ok_at;  /* 0: never succeeded */
    char last_status[8]; /* "ok" or "failed" */
    char last_day[11];
};

/*
 * Record a run of job that started at started_at and ended now, ok or not,
 * for day ("" when the job has none). A database without the table (schema
 * before 0080) records nothing and answers EG_OK: the job itself matters
 * more than its record. Logs and returns a database error otherwise.
 */
enum eg_status eg_job_run_record(struct eg_db *db, const char *job, int64_t started_at, int ok,
                                 const char *day);

/*
 * Take job's lock for this run so that one of several servers on one
 * database runs it at a time (the timers fire on every server). 0: taken;
 * 1: another server is running it, cmd said so on stdout and the command
 * should stop with success; -1: a database error, logged on stderr.
 * The lock ends with the connection.
 */
int eg_job_lock(struct eg_db *db, const char *job, const char *cmd);

/* The last run of job. EG_E_NOT_FOUND when it never ran. */
enum eg_status eg_job_run_read(struct eg_db *db, const char *job, struct eg_job_run *out);

#endif
