using System.Data.Common;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core.Data;

namespace Portal.Tests.Infrastructure;

/// <summary>
/// What a Core operation asks a SQLite store, and how SQLite answers it: a context factory on the app's own database
/// that records every statement it runs (text and parameters), then <c>EXPLAIN QUERY PLAN</c> of each, with the same
/// parameters. A list test asserts the plan, not a time: an index that matches the filter and order, no SCAN.
/// </summary>
public sealed class QueryPlans : DbCommandInterceptor, IDbContextFactory<PortalDbContext>
{
    private readonly DbContextOptions<PortalDbContext> _options;
    private readonly string _connectionString;
    private readonly List<(string Sql, (string Name, object? Value)[] Parameters)> _statements = [];

    /// <summary>A recorder on the store of <paramref name="app"/>, which must run on SQLite.</summary>
    public QueryPlans(PortalApplication app)
    {
        using (var db = app.Services.GetRequiredService<IDbContextFactory<PortalDbContext>>().CreateDbContext())
        {
            Assert.True(db.Database.IsSqlite(), "query plan tests read SQLite plans");
            _connectionString = db.Database.GetConnectionString()!;
        }

        var options = new DbContextOptionsBuilder<PortalDbContext>();
        PortalStore.UseSqlite(options, _connectionString);
        _options = options.AddInterceptors(this).Options;
    }

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
        await using var connection = new SqliteConnection(_connectionString);
        await connection.OpenAsync();
        foreach (var (sql, parameters) in statements)
        {
            await using var command = connection.CreateCommand();
            command.CommandText = "EXPLAIN QUERY PLAN " + sql;
            foreach (var (name, value) in parameters)
            {
                command.Parameters.AddWithValue(name, value ?? DBNull.Value);
            }

            var plan = new List<string>();
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                plan.Add(reader.GetString(reader.GetOrdinal("detail")));
            }

            explained.Add((sql, plan));
        }

        return explained;
    }

    /// <summary>
    /// The plan lines of every recorded statement that reads <paramref name="table"/>, after asserting that none scans it:
    /// SQLite says SCAN for a walk of a whole table or index, SEARCH for a lookup bounded by the named columns.
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

            Assert.DoesNotContain(plan, line => line.StartsWith("SCAN", StringComparison.Ordinal));
            lines.AddRange(plan);
        }

        Assert.NotEmpty(lines);
        return lines;
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
