using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core.Data;

namespace Portal.Tests.Infrastructure;

/// <summary>
/// What a Core operation asks the store, and how the store answers it: a context factory on the app's own database that
/// records every statement it runs (text and parameters), then the plan of each with the same parameters (SQLite:
/// <c>EXPLAIN QUERY PLAN</c>; PostgreSQL: <c>EXPLAIN</c> with sequential scans disabled, so that a small test table
/// still shows whether an index can serve the query). A list test asserts the plan, not a time.
/// </summary>
public sealed class QueryPlans : DbCommandInterceptor, IDbContextFactory<PortalDbContext>
{
    private readonly DbContextOptions<PortalDbContext> _options;
    private readonly DbContextOptions<PortalDbContext> _plain;
    private readonly List<(string Sql, (string Name, object? Value)[] Parameters)> _statements = [];

    /// <summary>A recorder on the store of <paramref name="app"/>.</summary>
    public QueryPlans(PortalApplication app)
    {
        string connectionString;
        using (var db = app.Services.GetRequiredService<IDbContextFactory<PortalDbContext>>().CreateDbContext())
        {
            Postgres = db.Database.IsNpgsql();
            connectionString = db.Database.GetConnectionString()!;
        }

        DbContextOptionsBuilder<PortalDbContext> Options()
        {
            var options = new DbContextOptionsBuilder<PortalDbContext>();
            _ = Postgres ? PortalStore.UsePostgres(options, connectionString) : PortalStore.UseSqlite(options, connectionString);
            return options;
        }

        _plain = Options().Options;
        _options = Options().AddInterceptors(this).Options;
    }

    /// <summary>Whether the plans are PostgreSQL's (otherwise SQLite's).</summary>
    public bool Postgres { get; }

    public PortalDbContext CreateDbContext() => new(_options);

    /// <summary>Forgets what was recorded (e.g. after arranging).</summary>
    public void Clear()
    {
        lock (_statements)
        {
            _statements.Clear();
        }
    }

    /// <summary>The statements recorded since the last <see cref="Clear"/>.</summary>
    public IReadOnlyList<string> Statements
    {
        get
        {
            lock (_statements)
            {
                return _statements.Select(s => s.Sql).ToList();
            }
        }
    }

    /// <summary>Every recorded statement with the lines of its plan (SQLite's "detail" column).</summary>
    public async Task<IReadOnlyList<(string Sql, IReadOnlyList<string> Plan)>> ExplainAsync()
    {
        List<(string Sql, (string Name, object? Value)[] Parameters)> statements;
        lock (_statements)
        {
            statements = [.. _statements];
        }

        var explained = new List<(string, IReadOnlyList<string>)>();
        await using var db = new PortalDbContext(_plain);
        var connection = db.Database.GetDbConnection();
        await connection.OpenAsync();
        if (Postgres)
        {
            await using var noSeqScan = connection.CreateCommand();
            noSeqScan.CommandText = "SET enable_seqscan = off";
            await noSeqScan.ExecuteNonQueryAsync();
        }

        foreach (var (sql, parameters) in statements)
        {
            await using var command = connection.CreateCommand();
            command.CommandText = (Postgres ? "EXPLAIN " : "EXPLAIN QUERY PLAN ") + sql;
            foreach (var (name, value) in parameters)
            {
                var parameter = command.CreateParameter();
                parameter.ParameterName = name;
                parameter.Value = value ?? DBNull.Value;
                command.Parameters.Add(parameter);
            }

            var plan = new List<string>();
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                plan.Add(reader.GetString(Postgres ? 0 : reader.GetOrdinal("detail")).Trim());
            }

            explained.Add((sql, plan));
        }

        return explained;
    }

    /// <summary>
    /// The plan lines of every recorded statement that reads <paramref name="table"/>, after asserting that none scans it:
    /// SQLite says SCAN for a walk of a whole table or index, SEARCH for a lookup bounded by the named columns; PostgreSQL
    /// says Seq Scan when no index can serve the statement.
    /// </summary>
    public async Task<IReadOnlyList<string>> AssertNoScanAsync(string table)
    {
        var lines = new List<string>();
        foreach (var (sql, plan) in await ExplainAsync())
        {
            if (!sql.Contains($"FROM \"{table}\"", StringComparison.Ordinal))
            {
                continue;
            }

            Assert.DoesNotContain(plan, line => Postgres ? line.Contains("Seq Scan on \"" + table + "\"", StringComparison.Ordinal) : line.StartsWith("SCAN", StringComparison.Ordinal));
            lines.AddRange(plan);
        }

        Assert.NotEmpty(lines);
        return lines;
    }

    /// <summary>
    /// Asserts that a plan line names what SQLite must do or, on PostgreSQL, the index the statement must use. PostgreSQL
    /// chooses among usable indexes by statistics, which a test's few rows do not have: pass null where several indexes
    /// can serve the statement (a filtered list), and the PostgreSQL pass checks only that no sequential scan is needed.
    /// </summary>
    public void AssertUses(IReadOnlyList<string> plan, string sqlite, string? postgresIndex)
    {
        if (!Postgres || postgresIndex is not null)
        {
            Assert.Contains(plan, line => line.Contains(Postgres ? $"\"{postgresIndex}\"" : sqlite, StringComparison.Ordinal));
        }
    }

    public override InterceptionResult<DbDataReader> ReaderExecuting(DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result)
    {
        Record(command);
        return result;
    }

    public override ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result, CancellationToken cancellationToken = default)
    {
        Record(command);
        return ValueTask.FromResult(result);
    }

    public override ValueTask<InterceptionResult<object>> ScalarExecutingAsync(DbCommand command, CommandEventData eventData, InterceptionResult<object> result, CancellationToken cancellationToken = default)
    {
        Record(command);
        return ValueTask.FromResult(result);
    }

    private void Record(DbCommand command)
    {
        if (!command.CommandText.TrimStart().StartsWith("SELECT", StringComparison.OrdinalIgnoreCase))
        {
            return;
        }

        var parameters = command.Parameters.Cast<DbParameter>().Select(p => (p.ParameterName, (object?)p.Value)).ToArray();
        lock (_statements)
        {
            _statements.Add((command.CommandText, parameters));
        }
    }
}
