using System.Collections.Concurrent;
using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.EntityFrameworkCore.Storage;

namespace Portal.Core.Data;

/// <summary>
/// SQLite has one writer at a time: its writes queue here, in process, in arrival order, instead of at the file lock.
/// A writer that finds the file locked waits inside SQLite's busy handler, which sleeps a pool thread in growing steps
/// (up to 100 ms each): under a mixed load a few such waits starve the thread pool and every class of request slows
/// down, writes worst (issue 14: p99 of seconds). Here a waiting writer holds no thread, and is woken the moment the
/// one before it ends.
/// <para>
/// Every write takes its turn without its caller asking: an explicit transaction (<see cref="StoreWriteGateInterceptor"/>,
/// released when it commits, rolls back or its context is disposed), a save outside one (<see cref="PortalDbContext"/>'s
/// <c>SaveChangesAsync</c>) and a bulk <c>ExecuteUpdate</c>/<c>ExecuteDelete</c> outside one (the interceptor again).
/// <see cref="EnterAsync"/> is for a caller that needs its turn before its transaction begins; turns nest within one
/// context. One gate per database file. On PostgreSQL there is nothing to queue: rows are locked, not the database.
/// </para>
/// </summary>
public static class StoreWriteGate
{
    /// <summary>As long as SQLite's own busy timeout: a writer that waits longer fails the same way.</summary>
    public static readonly TimeSpan MaxWait = TimeSpan.FromSeconds(10);

    private static readonly ConcurrentDictionary<string, SemaphoreSlim> Gates = new(StringComparer.Ordinal);

    /// <summary>Waits for this store's turn to write; dispose the result when the transaction has ended. Within a context that already has its turn, returns at once.</summary>
    public static async Task<IDisposable> EnterAsync(PortalDbContext db, CancellationToken ct)
    {
        if (db.WriteTurn is not null || !db.Database.IsSqlite())
        {
            return Turn.None;
        }

        var gate = GateOf(db);
        if (!await gate.WaitAsync(MaxWait, ct))
        {
            throw Busy();
        }

        return db.WriteTurn = new Turn(gate, db);
    }

    /// <summary>
    /// The same, for the synchronous paths (the ingest writer's thread, and those EF Core may take). It waits in the
    /// same first-come queue as <see cref="EnterAsync"/>: <see cref="SemaphoreSlim.Wait(TimeSpan)"/> does not, and a
    /// thread woken for a released turn finds it taken by any asynchronous caller that came meanwhile, so under a
    /// steady stream of API writes the ingest writer waited behind write after write (the mixed-load bench: webhooks
    /// p50 52–72 ms against 17 ms with a first-come turn).
    /// </summary>
    internal static IDisposable Enter(PortalDbContext db)
    {
        if (db.WriteTurn is not null || !db.Database.IsSqlite())
        {
            return Turn.None;
        }

        var gate = GateOf(db);
        if (!gate.WaitAsync(MaxWait).GetAwaiter().GetResult())
        {
            throw Busy();
        }

        return db.WriteTurn = new Turn(gate, db);
    }

    private static SemaphoreSlim GateOf(PortalDbContext db) =>
        Gates.GetOrAdd(db.Database.GetConnectionString() ?? "", _ => new SemaphoreSlim(1, 1));

    private static TimeoutException Busy() => new($"The database stayed busy for {MaxWait.TotalSeconds:F0} s; try again.");

    private sealed class Turn(SemaphoreSlim? gate, PortalDbContext? owner) : IDisposable
    {
        public static readonly Turn None = new(null, null);
        private SemaphoreSlim? _gate = gate;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _gate, null) is { } gate)
            {
                if (ReferenceEquals(owner!.WriteTurn, this))
                {
                    owner.WriteTurn = null;
                }

                gate.Release();
            }
        }
    }
}

/// <summary>
/// Gives a SQLite transaction, or a bulk update or delete outside one, its <see cref="StoreWriteGate"/> turn when its
/// caller did not take it first; the turn ends with the transaction (or the statement). Registered on SQLite only.
/// </summary>
public sealed class StoreWriteGateInterceptor : IDbTransactionInterceptor, IDbCommandInterceptor
{
    public async ValueTask<InterceptionResult<DbTransaction>> TransactionStartingAsync(DbConnection connection, TransactionStartingEventData eventData, InterceptionResult<DbTransaction> result, CancellationToken cancellationToken = default)
    {
        if (eventData.Context is PortalDbContext { WriteTurn: null } db && !result.HasResult)
        {
            db.TransactionTurn = await StoreWriteGate.EnterAsync(db, cancellationToken);
            try
            {
                // Begun here, so that a BEGIN that fails (cancelled, busy) gives the turn back: EF raises no event for it.
                return InterceptionResult<DbTransaction>.SuppressWithResult(await connection.BeginTransactionAsync(eventData.IsolationLevel, cancellationToken));
            }
            catch
            {
                End(db);
                throw;
            }
        }

        return result;
    }

    public InterceptionResult<DbTransaction> TransactionStarting(DbConnection connection, TransactionStartingEventData eventData, InterceptionResult<DbTransaction> result)
    {
        if (eventData.Context is PortalDbContext { WriteTurn: null } db && !result.HasResult)
        {
            db.TransactionTurn = StoreWriteGate.Enter(db);
            try
            {
                return InterceptionResult<DbTransaction>.SuppressWithResult(connection.BeginTransaction(eventData.IsolationLevel));
            }
            catch
            {
                End(db);
                throw;
            }
        }

        return result;
    }

    public void TransactionCommitted(DbTransaction transaction, TransactionEndEventData eventData) => End(eventData.Context);

    public Task TransactionCommittedAsync(DbTransaction transaction, TransactionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        End(eventData.Context);
        return Task.CompletedTask;
    }

    public void TransactionRolledBack(DbTransaction transaction, TransactionEndEventData eventData) => End(eventData.Context);

    public Task TransactionRolledBackAsync(DbTransaction transaction, TransactionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        End(eventData.Context);
        return Task.CompletedTask;
    }

    public void TransactionFailed(DbTransaction transaction, TransactionErrorEventData eventData) => End(eventData.Context);

    public Task TransactionFailedAsync(DbTransaction transaction, TransactionErrorEventData eventData, CancellationToken cancellationToken = default)
    {
        End(eventData.Context);
        return Task.CompletedTask;
    }

    /// <summary>A bulk statement (<c>ExecuteUpdate</c>, <c>ExecuteDelete</c>, raw SQL) outside a transaction writes on its own: its turn lasts the statement.</summary>
    public async ValueTask<InterceptionResult<int>> NonQueryExecutingAsync(DbCommand command, CommandEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default)
    {
        if (command.Transaction is null && eventData.Context is PortalDbContext { WriteTurn: null } db)
        {
            db.TransactionTurn = await StoreWriteGate.EnterAsync(db, cancellationToken);
        }

        return result;
    }

    public InterceptionResult<int> NonQueryExecuting(DbCommand command, CommandEventData eventData, InterceptionResult<int> result)
    {
        if (command.Transaction is null && eventData.Context is PortalDbContext { WriteTurn: null } db)
        {
            db.TransactionTurn = StoreWriteGate.Enter(db);
        }

        return result;
    }

    public ValueTask<int> NonQueryExecutedAsync(DbCommand command, CommandExecutedEventData eventData, int result, CancellationToken cancellationToken = default)
    {
        EndStatement(command, eventData.Context);
        return ValueTask.FromResult(result);
    }

    public int NonQueryExecuted(DbCommand command, CommandExecutedEventData eventData, int result)
    {
        EndStatement(command, eventData.Context);
        return result;
    }

    public void CommandFailed(DbCommand command, CommandErrorEventData eventData) => EndStatement(command, eventData.Context);

    public Task CommandFailedAsync(DbCommand command, CommandErrorEventData eventData, CancellationToken cancellationToken = default)
    {
        EndStatement(command, eventData.Context);
        return Task.CompletedTask;
    }

    public void CommandCanceled(DbCommand command, CommandEndEventData eventData) => EndStatement(command, eventData.Context);

    public Task CommandCanceledAsync(DbCommand command, CommandEndEventData eventData, CancellationToken cancellationToken = default)
    {
        EndStatement(command, eventData.Context);
        return Task.CompletedTask;
    }

    private static void EndStatement(DbCommand command, DbContext? context)
    {
        if (command.Transaction is null)
        {
            End(context);
        }
    }

    /// <summary>Ends the turn this interceptor took for <paramref name="context"/>'s transaction, if it holds one (see <see cref="GatedTransactionFactory"/>).</summary>
    internal static void EndTransactionTurn(DbContext? context) => End(context);

    private static void End(DbContext? context)
    {
        if (context is PortalDbContext db && db.TransactionTurn is { } turn)
        {
            db.TransactionTurn = null;
            turn.Dispose();
        }
    }
}

/// <summary>
/// SQLite transactions that give their <see cref="StoreWriteGate"/> turn back when they are disposed, as well as when
/// they commit or roll back: a transaction disposed on an exception path (<c>await using var tx = …; throw</c>) raises no
/// transaction event, and the turn would otherwise stay with its context for as long as that context lives.
/// </summary>
public sealed class GatedTransactionFactory(RelationalTransactionFactoryDependencies dependencies) : RelationalTransactionFactory(dependencies)
{
    public override RelationalTransaction Create(
        IRelationalConnection connection, DbTransaction transaction, Guid transactionId,
        IDiagnosticsLogger<DbLoggerCategory.Database.Transaction> logger, bool transactionOwned) =>
        new GatedTransaction(connection, transaction, transactionId, logger, transactionOwned, Dependencies.SqlGenerationHelper);

    private sealed class GatedTransaction(
        IRelationalConnection connection, DbTransaction transaction, Guid transactionId,
        IDiagnosticsLogger<DbLoggerCategory.Database.Transaction> logger, bool transactionOwned, ISqlGenerationHelper sql)
        : RelationalTransaction(connection, transaction, transactionId, logger, transactionOwned, sql)
    {
        private readonly DbContext? _context = connection.Context;

        public override void Dispose()
        {
            base.Dispose();
            StoreWriteGateInterceptor.EndTransactionTurn(_context);
        }

        public override async ValueTask DisposeAsync()
        {
            await base.DisposeAsync();
            StoreWriteGateInterceptor.EndTransactionTurn(_context);
        }
    }
}
