using System.Data.Common;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace Portal.Tests.Infrastructure;

/// <summary>
/// An injected store fault: once armed for a table, the commit of the next transaction that wrote to that table fails
/// (a write to it outside any transaction fails at once, as it could not be rolled back). Everything that transaction
/// wrote, in any table, must then be gone: that is what "one operation, one transaction" means. Disarmed, it does nothing.
/// </summary>
public sealed partial class WriteFaults : IDbCommandInterceptor, IDbTransactionInterceptor
{
    private readonly ConditionalWeakTable<DbTransaction, object> _wrote = [];
    private readonly Lock _lock = new();
    private string? _table;

    /// <summary>How many times a fault fired: a test asserts it did, or it proves nothing.</summary>
    public int Fired { get; private set; }

    /// <summary>Fails the next transaction that writes to <paramref name="table"/> (an EF table name, e.g. <c>McpSettings</c>).</summary>
    public void Arm(string table)
    {
        lock (_lock)
        {
            _table = table;
        }
    }

    public void Disarm()
    {
        lock (_lock)
        {
            _table = null;
        }
    }

    public ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result, CancellationToken cancellationToken = default)
    {
        Observe(command);
        return ValueTask.FromResult(result);
    }

    public InterceptionResult<DbDataReader> ReaderExecuting(DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result)
    {
        Observe(command);
        return result;
    }

    public ValueTask<InterceptionResult<int>> NonQueryExecutingAsync(DbCommand command, CommandEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default)
    {
        Observe(command);
        return ValueTask.FromResult(result);
    }

    public InterceptionResult<int> NonQueryExecuting(DbCommand command, CommandEventData eventData, InterceptionResult<int> result)
    {
        Observe(command);
        return result;
    }

    public ValueTask<InterceptionResult> TransactionCommittingAsync(DbTransaction transaction, TransactionEventData eventData, InterceptionResult result, CancellationToken cancellationToken = default)
    {
        FailIfMarked(transaction);
        return ValueTask.FromResult(result);
    }

    public InterceptionResult TransactionCommitting(DbTransaction transaction, TransactionEventData eventData, InterceptionResult result)
    {
        FailIfMarked(transaction);
        return result;
    }

    private void Observe(DbCommand command)
    {
        lock (_lock)
        {
            if (_table is null || !WriteTo().Matches(command.CommandText).Any(m => m.Groups["table"].Value == _table))
            {
                return;
            }

            if (command.Transaction is null)
            {
                Fire();
            }

            _wrote.AddOrUpdate(command.Transaction, new object());
        }
    }

    private void FailIfMarked(DbTransaction transaction)
    {
        lock (_lock)
        {
            if (_table is not null && _wrote.TryGetValue(transaction, out _))
            {
                Fire();
            }
        }
    }

    [DoesNotReturn]
    private void Fire()
    {
        var table = _table;
        _table = null;
        Fired++;
        throw new InvalidOperationException($"Injected fault: the store failed a transaction that wrote to \"{table}\".");
    }

    [GeneratedRegex("""(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"(?<table>[^"]+)"\s""", RegexOptions.IgnoreCase)]
    private static partial Regex WriteTo();
}
