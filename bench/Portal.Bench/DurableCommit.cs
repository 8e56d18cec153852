using System.Diagnostics;
using Microsoft.Data.Sqlite;

namespace Portal.Bench;

/// <summary>
/// What one durable commit costs on the disk the Portal's store is on: a one-row SQLite transaction in WAL mode with
/// <c>synchronous=FULL</c> (the Portal's settings), in a fresh database in the same temporary directory the Portal's data
/// directory is made in. A 202 is answered only after the commit that holds its event, so a closed loop of N senders can
/// complete at most N requests per (commit + round trip): the ceiling printed next to the ingest goal.
/// </summary>
internal static class DurableCommit
{
    public static LatencySummary Measure(int commits = 500)
    {
        var directory = Directory.CreateTempSubdirectory("portal-bench-commit-").FullName;
        try
        {
            using var connection = new SqliteConnection($"Data Source={Path.Combine(directory, "commit.db")};Pooling=False");
            connection.Open();
            using (var setup = connection.CreateCommand())
            {
                setup.CommandText = "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; CREATE TABLE t (id INTEGER PRIMARY KEY, body BLOB);";
                setup.ExecuteNonQuery();
            }

            using var insert = connection.CreateCommand();
            insert.CommandText = "INSERT INTO t (body) VALUES ($body)";
            insert.Parameters.AddWithValue("$body", new byte[100]);
            var samples = new List<long>(commits);
            for (var i = 0; i < commits + 50; i++)
            {
                var started = Stopwatch.GetTimestamp();
                using (var tx = connection.BeginTransaction())
                {
                    insert.Transaction = tx;
                    insert.ExecuteNonQuery();
                    tx.Commit();
                }

                if (i >= 50)
                {
                    samples.Add(Stopwatch.GetTimestamp() - started);
                }
            }

            return LatencySummary.Of(samples);
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            Directory.Delete(directory, recursive: true);
        }
    }
}
