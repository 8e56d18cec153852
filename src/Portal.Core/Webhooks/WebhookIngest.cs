using System.Data.Common;
using System.Text;
using System.Threading.Channels;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Portal.Core.Common;
using Portal.Core.Data;

namespace Portal.Core.Webhooks;

/// <summary>What became of one submitted event.</summary>
public enum IngestOutcome
{
    /// <summary>Stored and committed durably.</summary>
    Stored,

    /// <summary>Its <c>webhook-id</c> was stored before (by this or another instance): nothing written.</summary>
    Duplicate,

    /// <summary>Its config was deleted before the event could be stored.</summary>
    Gone,

    /// <summary>The queue is full, or the store stayed locked longer than a writer waits: the sender should retry later. Nothing written.</summary>
    Busy,
}

/// <summary>
/// Inbound ingest by group commit (DESIGN.md "The hot path"): requests hand their event to one writer through a bounded
/// channel; the writer inserts whatever is waiting (up to <see cref="BatchLimit"/>) in one transaction with one
/// statement, <c>webhook-id</c> deduplicated in SQL (<c>ON CONFLICT DO NOTHING … RETURNING</c>), commits, and only then
/// completes each waiting request. The flush is paid once per batch, and nothing is acknowledged before it is on disk.
/// A full queue (by count, or by body bytes held) answers <see cref="IngestOutcome.Busy"/> at once: never a silent drop.
/// </summary>
public sealed class WebhookIngest(IDbContextFactory<PortalDbContext> dbFactory, IOptions<WebhookIngestOptions> options, ILogger<WebhookIngest> logger)
{
    /// <summary>The default of <see cref="WebhookIngestOptions.QueueCapacity"/> (<c>Portal:Ingest:QueueCapacity</c>).</summary>
    public const int QueueCapacity = 4096;
    public const int BatchLimit = 256;

    private readonly Channel<Pending> _queue = Channel.CreateBounded<Pending>(new BoundedChannelOptions(options.Value.QueueCapacity)
    {
        SingleReader = true,
        FullMode = BoundedChannelFullMode.Wait, // TryWrite fails when full: the caller answers 503
    });

    /// <summary>Events waiting for the writer now.</summary>
    public int Waiting => _queue.Reader.Count;

    /// <summary>Reports <see cref="Waiting"/> as the <c>portal.ingest.queue_depth</c> gauge (the app's writer calls it once).</summary>
    internal void Observe() => PortalMetrics.ObserveQueueDepth(() => Waiting);

    private long _queuedBytes;

    /// <summary>Body bytes held for the writer now (queued or in the batch being written).</summary>
    public long QueuedBytes => Interlocked.Read(ref _queuedBytes);

    /// <summary>Hands <paramref name="e"/> to the writer and waits until it is committed (or refused).</summary>
    public async Task<IngestOutcome> SubmitAsync(WebhookEvent e)
    {
        var size = e.Body.LongLength + (e.Headers?.Length ?? 0) * 2L;
        if (Interlocked.Add(ref _queuedBytes, size) > options.Value.QueueBytes && size < Interlocked.Read(ref _queuedBytes))
        {
            Interlocked.Add(ref _queuedBytes, -size); // over the byte budget (one body alone always fits): refuse, hold nothing
            return IngestOutcome.Busy;
        }

        try
        {
            var pending = new Pending(e);
            IngestOutcome outcome;
            if (_queue.Writer.TryWrite(pending))
            {
                _work.Set();
                outcome = await pending.Done.Task;
            }
            else
            {
                outcome = IngestOutcome.Busy;
            }

            PortalMetrics.Ingest.Add(1, PortalMetrics.Tag("outcome", OutcomeNames[(int)outcome]));
            return outcome;
        }
        finally
        {
            Interlocked.Add(ref _queuedBytes, -size);
        }
    }

    /// <summary>
    /// Called with the batch size each time the writer has taken a batch from the queue, before it goes to the store; the
    /// writer goes on when the task completes. Null in the app: it lets a test see (and hold) the writer at that point.
    /// </summary>
    public Func<int, Task>? BatchTaken { get; set; }

    /// <summary>Set when an event was queued (or the queue completed): wakes the writer thread.</summary>
    private readonly ManualResetEventSlim _work = new(false);

    /// <summary>
    /// The writer: a thread of its own, not a thread-pool work item. Each delivery waits for the writer's commit, so the
    /// writer is the one serial step of ingest; as a work item it waited behind the very requests it was to answer (the
    /// thread pool's queue, after each of its awaits), and its batch took three times the store's own time under load.
    /// It blocks on the store (SQLite in process, PostgreSQL over a socket) and on its wake-up signal; nothing else
    /// runs on it. Runs until the queue is completed and drained.
    /// </summary>
    internal Task StartWriter(CancellationToken stopping)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var stop = stopping.Register(Complete);
        var thread = new Thread(() =>
        {
            try
            {
                Run();
                done.TrySetResult();
            }
            catch (Exception e)
            {
                done.TrySetException(e);
            }
            finally
            {
                stop.Dispose();
            }
        })
        {
            IsBackground = true,
            Name = "Webhook ingest writer",
        };
        thread.Start();
        return done.Task;
    }

    private void Run()
    {
        var batch = new List<Pending>(BatchLimit);
        while (true)
        {
            _work.Reset(); // before looking: an event queued from here on sets it again
            batch.Clear();
            while (batch.Count < BatchLimit && _queue.Reader.TryRead(out var next))
            {
                batch.Add(next);
            }

            if (batch.Count == 0)
            {
                if (_queue.Reader.Completion.IsCompleted)
                {
                    break; // completed and drained
                }

                _work.Wait();
                continue;
            }

            if (BatchTaken is { } taken)
            {
                taken(batch.Count).GetAwaiter().GetResult();
            }

            Write(batch);
        }

        DropWriterContext();
    }

    /// <summary>Stops taking events; the writer drains what is queued, then ends.</summary>
    internal void Complete()
    {
        _queue.Writer.TryComplete();
        _work.Set();
    }

    private static readonly string[] OutcomeNames = Enum.GetValues<IngestOutcome>().OrderBy(o => (int)o).Select(o => o.ToString().ToLowerInvariant()).ToArray();

    /// <summary>
    /// The writer's own context and connection, kept open from batch to batch: a batch then costs its statements and its
    /// commit only (a context and an opened connection per batch were a fifth of a loaded receiver's CPU). Replaced after
    /// a failure, so a broken connection is not reused.
    /// </summary>
    private PortalDbContext? _writerDb;

    private PortalDbContext WriterContext()
    {
        if (_writerDb is null)
        {
            var db = dbFactory.CreateDbContext();
            try
            {
                db.Database.OpenConnection();
            }
            catch
            {
                db.Dispose(); // the store is unreachable: the next batch tries a new context
                throw;
            }

            _writerDb = db;
        }

        return _writerDb;
    }

    private void DropWriterContext()
    {
        if (_insertEach is { } insert)
        {
            _insertEach = null;
            insert.Command.Dispose();
        }

        if (_writerDb is { } db)
        {
            _writerDb = null;
            db.Dispose();
        }
    }

    private void Write(List<Pending> batch)
    {
        PortalMetrics.IngestBatch.Record(batch.Count);
        try
        {
            HashSet<Pending> stored;
            try
            {
                stored = Insert(batch);
            }
            catch
            {
                DropWriterContext();
                throw;
            }

            foreach (var pending in batch)
            {
                pending.Done.TrySetResult(stored.Contains(pending) ? IngestOutcome.Stored : IngestOutcome.Duplicate);
            }
        }
        catch (Exception e) when (StoreFailures.IsBusy(e))
        {
            // The store stayed locked longer than a writer waits (another process's long write): nothing was stored, and
            // retrying the batch event by event would make each sender wait as long again. The senders retry later (503).
            logger.LogWarning("Webhook ingest batch of {Count} not stored: the store stayed busy; answered 503.", batch.Count);
            foreach (var pending in batch)
            {
                pending.Done.TrySetResult(IngestOutcome.Busy);
            }
        }
        catch (Exception e) when (batch.Count > 1 && !StoreFailures.IsUnreachable(e))
        {
            // One event spoiled the batch (e.g. its config was deleted meanwhile): store the others one by one.
            foreach (var pending in batch)
            {
                Write([pending]);
            }
        }
        catch (DbException e) when (batch.Count == 1 && IsMissingConfig(e))
        {
            batch[0].Done.TrySetResult(IngestOutcome.Gone);
        }
        catch (Exception e)
        {
            logger.LogWarning("Webhook ingest batch of {Count} not stored ({Reason}).", batch.Count, e.GetType().Name);
            foreach (var pending in batch)
            {
                pending.Done.TrySetException(e);
            }
        }
    }

    private const string Into = """INSERT INTO "WebhookEvents" ("TenantId", "IntegrationId", "ConfigId", "BindingId", "WebhookId", "ReceivedAt", "ContentType", "MediaType", "Headers", "SignatureCheck", "SigningSecretName", "Body") """;
    private const string Columns = Into + "VALUES ";
    /// <summary>The parameters of one row, in the order of <see cref="Columns"/>; <see cref="ValuesOf"/> gives their values.</summary>
    private static readonly string[] ParameterNames = ["t", "i", "c", "b", "w", "r", "ct", "mt", "h", "s", "sn", "body"];

    private static object?[] ValuesOf(WebhookEvent e) =>
        [e.TenantId, e.IntegrationId, Stored(e.ConfigId), Stored(e.BindingId), e.WebhookId, e.ReceivedAt,
            e.ContentType, e.MediaType, e.Headers, e.SignatureCheck, e.SigningSecretName, e.Body];

    /// <summary>
    /// A repeat of a stored webhook-id is skipped. No conflict target: every unique index decides, so the statement is
    /// the same whichever index holds the rule (PostgreSQL keeps the earlier (tenant, config, binding, webhook-id) index
    /// next to (config, binding, webhook-id) for one release, see the WebhookEventDedupByEndpoint migration), and a race
    /// on either index is a skipped row, never a failed batch.
    /// </summary>
    private const string OnConflict = """ ON CONFLICT DO NOTHING""";

    /// <summary>One transaction, one commit: returns the events that were new.</summary>
    private HashSet<Pending> Insert(List<Pending> batch)
    {
        var db = WriterContext();
        var postgres = db.Database.IsNpgsql();
        using var turn = StoreWriteGate.Enter(db);
        using var tx = db.Database.BeginTransaction();
        var transaction = tx.GetDbTransaction();

        // Rows go in the order of their unique key, the same on every instance: two writers inserting the same webhook-ids
        // (a provider retrying through a load balancer) then wait for each other in turn, never in a cycle. A deadlock
        // would fail the whole batch. Stable: of one delivery sent twice, the first queued is still the one stored.
        var rows = batch.OrderBy(p => p.Event.ConfigId).ThenBy(p => p.Event.BindingId)
            .ThenBy(p => p.Event.WebhookId, StringComparer.Ordinal).ToList();
        HashSet<Pending> stored;
        if (postgres)
        {
            using var command = db.Database.GetDbConnection().CreateCommand();
            command.Transaction = transaction;
            stored = InsertAll(command, rows);
        }
        else
        {
            _insertEach ??= PrepareInsertEach(db.Database.GetDbConnection());
            _insertEach.Command.Transaction = transaction;
            stored = InsertEachRow(_insertEach, rows);
        }

        tx.Commit();
        return stored;
    }

    /// <summary>The writer's one-row insert on SQLite, prepared once on its connection and kept with it.</summary>
    private InsertEach? _insertEach;

    private sealed record InsertEach(DbCommand Command, DbParameter[] Parameters);

    /// <summary>
    /// SQLite, in process: one small statement, prepared once and run for each row. (One statement of N rows was parsed
    /// anew for every batch, and SQLite finds each of its 12×N named parameters by a linear search: the profile of a
    /// loaded receiver spent more time there than in the inserts.)
    /// </summary>
    private static InsertEach PrepareInsertEach(DbConnection connection)
    {
        var command = connection.CreateCommand();
        command.CommandText = Columns + "(" + string.Join(", ", ParameterNames.Select(n => "@" + n)) + ")" + OnConflict + """ RETURNING 1""";
        var parameters = ParameterNames.Select(name =>
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = "@" + name; // as written in the statement: found by one lookup, not by trying each prefix
            command.Parameters.Add(parameter);
            return parameter;
        }).ToArray();
        command.Prepare();
        return new InsertEach(command, parameters);
    }

    private static HashSet<Pending> InsertEachRow(InsertEach insert, List<Pending> rows)
    {
        var stored = new HashSet<Pending>();
        foreach (var pending in rows)
        {
            var values = ValuesOf(pending.Event);
            for (var i = 0; i < values.Length; i++)
            {
                insert.Parameters[i].Value = values[i] ?? DBNull.Value;
            }

            // Within one batch the same delivery may come twice: the first is the stored one, the second meets the conflict.
            if (insert.Command.ExecuteScalar() is not null and not DBNull)
            {
                stored.Add(pending);
            }
        }

        return stored;
    }

    /// <summary>
    /// PostgreSQL, over the network: one statement for the whole batch, one round trip. Its text is the same whatever the
    /// batch's size (one array parameter per column, <c>unnest</c>ed into rows, in the arrays' order), so it is prepared
    /// once per connection and the server neither parses nor plans it again; a statement of N rows was parsed and planned
    /// anew for each batch, with 12×N parameters.
    /// </summary>
    private static readonly string InsertUnnest = Into + "SELECT * FROM unnest(" + string.Join(", ", ParameterNames.Select(n => "@" + n)) + ")"
        + OnConflict + """ RETURNING "TenantId", "ConfigId", "BindingId", "WebhookId" """;

    private static HashSet<Pending> InsertAll(DbCommand command, List<Pending> rows)
    {
        var events = rows.Select(p => p.Event).ToArray();
        command.CommandText = InsertUnnest;
        AddArray(command, "t", events.Select(e => e.TenantId).ToArray(), NpgsqlTypes.NpgsqlDbType.Text);
        AddArray(command, "i", events.Select(e => e.IntegrationId).ToArray(), NpgsqlTypes.NpgsqlDbType.Text);
        AddArray(command, "c", events.Select(e => e.ConfigId).ToArray(), NpgsqlTypes.NpgsqlDbType.Uuid);
        AddArray(command, "b", events.Select(e => e.BindingId).ToArray(), NpgsqlTypes.NpgsqlDbType.Uuid);
        AddArray(command, "w", events.Select(e => e.WebhookId).ToArray(), NpgsqlTypes.NpgsqlDbType.Text);
        AddArray(command, "r", events.Select(e => e.ReceivedAt).ToArray(), NpgsqlTypes.NpgsqlDbType.Bigint);
        AddArray(command, "ct", events.Select(e => e.ContentType).ToArray(), NpgsqlTypes.NpgsqlDbType.Text);
        AddArray(command, "mt", events.Select(e => e.MediaType).ToArray(), NpgsqlTypes.NpgsqlDbType.Text);
        AddArray(command, "h", events.Select(e => e.Headers).ToArray(), NpgsqlTypes.NpgsqlDbType.Text);
        AddArray(command, "s", events.Select(e => e.SignatureCheck).ToArray(), NpgsqlTypes.NpgsqlDbType.Text);
        AddArray(command, "sn", events.Select(e => e.SigningSecretName).ToArray(), NpgsqlTypes.NpgsqlDbType.Text);
        AddArray(command, "body", events.Select(e => e.Body).ToArray(), NpgsqlTypes.NpgsqlDbType.Bytea);
        command.Prepare(); // the connection keeps it: a statement prepared already on this connection is reused, not sent again

        var inserted = new HashSet<(string, string, string, string)>();
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                inserted.Add((reader.GetString(0), reader.GetValue(1).ToString()!.ToUpperInvariant(), reader.GetValue(2).ToString()!.ToUpperInvariant(), reader.GetString(3)));
            }
        }

        // Within one batch the same delivery may come twice: the first is the stored one, the rest are duplicates.
        var stored = new HashSet<Pending>();
        foreach (var pending in rows)
        {
            var e = pending.Event;
            if (inserted.Remove((e.TenantId, e.ConfigId.ToString().ToUpperInvariant(), e.BindingId.ToString().ToUpperInvariant(), e.WebhookId)))
            {
                stored.Add(pending);
            }
        }

        return stored;
    }

    private static void AddArray<T>(DbCommand command, string name, T[] values, NpgsqlTypes.NpgsqlDbType elementType) =>
        command.Parameters.Add(new Npgsql.NpgsqlParameter(name, NpgsqlTypes.NpgsqlDbType.Array | elementType) { Value = values });

    /// <summary>As EF Core stores a Guid on SQLite: upper-case text (a uuid on PostgreSQL).</summary>
    private static string Stored(Guid id) => id.ToString().ToUpperInvariant();


    /// <summary>A foreign key violation: the config (and its events) was deleted while the event waited.</summary>
    private static bool IsMissingConfig(DbException e) =>
        e.SqlState == "23503" || (e is Microsoft.Data.Sqlite.SqliteException { SqliteErrorCode: 19 } && e.Message.Contains("FOREIGN KEY", StringComparison.Ordinal));

    private sealed class Pending(WebhookEvent e)
    {
        public WebhookEvent Event { get; } = e;

        public TaskCompletionSource<IngestOutcome> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}

/// <summary>Runs the <see cref="WebhookIngest"/> writer; on stop it drains what was accepted before ending.</summary>
public sealed class WebhookIngestWriter(WebhookIngest ingest) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        ingest.Observe();
        return ingest.StartWriter(stoppingToken);
    }
}
