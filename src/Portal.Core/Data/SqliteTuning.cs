using System.Data.Common;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace Portal.Core.Data;

/// <summary>
/// <c>synchronous=FULL</c>: a commit is on disk when it returns (a 202 means stored; a rotation survives a power cut).
/// Ingest pays the flush once per batch (group commit). <c>busy_timeout</c>: a writer that finds the database busy
/// waits inside SQLite (retrying within milliseconds) instead of failing to the driver's own retry, which sleeps 150 ms.
/// </summary>
public sealed class SqliteTuning : DbConnectionInterceptor
{
    public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData) => Apply(connection);

    public override Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        Apply(connection);
        return Task.CompletedTask;
    }

    private static void Apply(DbConnection connection)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA synchronous=FULL; PRAGMA busy_timeout=10000;";
        command.ExecuteNonQuery();
    }
}
