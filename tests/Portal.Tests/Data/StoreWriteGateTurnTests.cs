using System.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core.Data;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Data;

/// <summary>
/// Review of e21fd62: a turn the write gate's interceptor takes for a transaction must end with that transaction,
/// not only when its context is disposed. While a context that holds a leaked turn is alive (the rest of its request,
/// operation or circuit), every other writer of the process waits <see cref="StoreWriteGate.MaxWait"/> and fails.
/// </summary>
public sealed class StoreWriteGateTurnTests(PortalApplication app) : IClassFixture<PortalApplication>
{
    private async Task<PortalDbContext> ContextAsync()
    {
        _ = app.Server; // the app (and its store) started
        return await app.Services.GetRequiredService<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync();
    }

    /// <summary>PostgreSQL locks rows, not the database: a writer's turn is given at once while another transaction is open.</summary>
    private async Task OnPostgresNothingQueuesAsync()
    {
        await using var open = await ContextAsync();
        await using var tx = await open.Database.BeginTransactionAsync();
        await using var other = await ContextAsync();
        var turn = StoreWriteGate.EnterAsync(other, CancellationToken.None);
        Assert.True(turn.IsCompletedSuccessfully);
        (await turn).Dispose();
    }

    [Fact]
    public async Task A_transaction_that_fails_to_begin_gives_its_turn_back()
    {
        if (app.Postgres)
        {
            await OnPostgresNothingQueuesAsync();
            return;
        }

        await using var failed = await ContextAsync();
        // The turn is taken in TransactionStarting; then BEGIN fails (here: an isolation level SQLite refuses; in the app a
        // request token cancelled between the turn and BEGIN, or BEGIN IMMEDIATE meeting another process's lock).
        await Assert.ThrowsAnyAsync<ArgumentException>(() => failed.Database.BeginTransactionAsync(IsolationLevel.Chaos));
        Assert.Null(failed.Database.CurrentTransaction);

        // No transaction is open anywhere: another writer must get its turn (with the leak it waits 10 s and throws).
        await using var other = await ContextAsync();
        using var turn = await StoreWriteGate.EnterAsync(other, CancellationToken.None);
    }

    [Fact]
    public async Task A_transaction_disposed_without_commit_or_rollback_gives_its_turn_back()
    {
        if (app.Postgres)
        {
            await OnPostgresNothingQueuesAsync();
            return;
        }

        await using var abandoned = await ContextAsync();
        await using (await abandoned.Database.BeginTransactionAsync())
        {
            // an exception path: the transaction is disposed (rolled back by SQLite) without Commit or Rollback
        }

        Assert.Null(abandoned.Database.CurrentTransaction);

        // The transaction is over and its context stays alive (the rest of its scope): another writer must get its turn.
        await using var other = await ContextAsync();
        using var turn = await StoreWriteGate.EnterAsync(other, CancellationToken.None);
    }
}
