using System.Collections.Concurrent;

namespace Portal.Core.Data;

/// <summary>What changed in the store that an in-process cache may hold.</summary>
public enum ChangeTopic
{
    /// <summary>An issued key: <see cref="Change.Id"/> is its SHA-256 hash, <see cref="Change.Owner"/> its tenant and owner.</summary>
    Key,

    /// <summary>Integrations, configs, webhook bindings, signing secrets or MCP settings: the shape of a route, not a key.</summary>
    Setup,
}

/// <summary>One change, as the committing instance saw it and every other instance hears it.</summary>
/// <param name="Owner">For a key: <c>{tenant}|{owner}</c>, so caches by owner (e.g. usable signing secrets) can evict too.</param>
public sealed record Change(ChangeTopic Topic, string Id, string? Owner = null)
{
    /// <summary>The wire form shared with PostgreSQL's triggers (migration ChangeFeed): <c>key|{hash}|{tenant}|{owner}</c> or <c>setup|{table}</c>.</summary>
    public static Change? Parse(string payload)
    {
        var parts = payload.Split('|', 4);
        return parts[0] switch
        {
            "key" when parts.Length == 4 => new Change(ChangeTopic.Key, parts[1], $"{parts[2]}|{parts[3]}"),
            "setup" when parts.Length >= 2 => new Change(ChangeTopic.Setup, parts[1]),
            _ => null,
        };
    }
}

/// <summary>
/// How the caches of this instance learn that the store changed: in process right after a commit on this instance
/// (<see cref="ChangeAnnouncer"/>), and, on PostgreSQL, from every instance through <c>LISTEN/NOTIFY</c>
/// (<see cref="PostgresChangeListener"/>). While the feed is not live (the listener is down or has not yet reloaded),
/// caches must not answer from memory: they read the store, so a change this instance did not hear of is never missed.
/// </summary>
public sealed class ChangeFeed
{
    private readonly ConcurrentDictionary<string, Barrier> _barriers = new(StringComparer.Ordinal);
    private readonly object _gate = new();
    private volatile bool _live;
    private long _generation;
    private long _outages;

    public ChangeFeed(StoreInfo store)
    {
        Store = store;
        _live = !store.IsPostgres; // one instance on SQLite: every change is announced in process
    }

    public StoreInfo Store { get; }

    /// <summary>Raised for each change, synchronously, before the call that announced it returns.</summary>
    public event Action<Change>? Changed;

    /// <summary>Raised when every cache must forget everything (the listener reconnected after missing changes).</summary>
    public event Action? Reset;

    /// <summary>True when every change made by any instance reaches this instance; caches answer from memory only then.</summary>
    public bool IsLive => _live;

    /// <summary>
    /// Bumped by every change and reset. A cache reads it before it reads the store and keeps what it read only if the
    /// value is unchanged afterwards, so an answer read before a change committed is never kept after the change's eviction.
    /// </summary>
    public long Generation => Interlocked.Read(ref _generation);

    /// <summary>When the listener last heard from the server (or the feed came up), for readiness.</summary>
    public DateTimeOffset? LastHeard { get; private set; }

    public void Announce(Change change)
    {
        lock (_gate)
        {
            Interlocked.Increment(ref _generation);
            Changed?.Invoke(change);
        }
    }

    /// <summary>How many times the feed went down (a dropped listener connection), for tests and operators.</summary>
    public long Outages => Interlocked.Read(ref _outages);

    /// <summary>The listener lost its connection: from now on caches read the store.</summary>
    public void GoDown()
    {
        lock (_gate)
        {
            if (_live)
            {
                Interlocked.Increment(ref _outages);
            }

            _live = false;
            Interlocked.Increment(ref _generation);
            Reset?.Invoke();
        }
    }

    /// <summary>The listener is listening again: forget whatever may have changed meanwhile, then answer from memory again.</summary>
    public void ComeUp(DateTimeOffset now)
    {
        lock (_gate)
        {
            Interlocked.Increment(ref _generation);
            Reset?.Invoke();
            _live = true;
            LastHeard = now;
        }
    }

    public void Heard(DateTimeOffset now) => LastHeard = now;

    /// <summary>
    /// Registers a barrier: it completes once <c>ack|{id}</c> has been heard from as many listeners as
    /// <see cref="Expect"/> names. Each listener acknowledges a <c>sync|{id}</c> after it has handled every notification
    /// before it, so by then every listening instance has evicted what the committed change named.
    /// </summary>
    internal Task ExpectBarrier(string id) => _barriers.GetOrAdd(id, _ => new Barrier()).Done.Task;

    /// <summary>How many listeners must acknowledge barrier <paramref name="id"/>.</summary>
    internal void Expect(string id, long listeners)
    {
        if (_barriers.TryGetValue(id, out var barrier))
        {
            barrier.Expect(listeners);
        }
    }

    internal void ForgetBarrier(string id) => _barriers.TryRemove(id, out _);

    private sealed class Barrier
    {
        private long _acks;
        private long _expected = long.MaxValue;

        public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Ack() => Check(Interlocked.Increment(ref _acks), Interlocked.Read(ref _expected));

        public void Expect(long listeners)
        {
            Interlocked.Exchange(ref _expected, listeners);
            Check(Interlocked.Read(ref _acks), listeners);
        }

        private void Check(long acks, long expected)
        {
            if (acks >= expected)
            {
                Done.TrySetResult();
            }
        }
    }

    /// <summary>Called by the listener for every payload it hears.</summary>
    /// <returns>The barrier id to acknowledge when the payload is a <c>sync|{id}</c>, else null.</returns>
    public string? Receive(string payload)
    {
        if (payload.StartsWith("sync|", StringComparison.Ordinal))
        {
            return payload[5..];
        }

        if (payload.StartsWith("ack|", StringComparison.Ordinal))
        {
            if (_barriers.TryGetValue(payload[4..], out var barrier))
            {
                barrier.Ack();
            }

            return null;
        }

        if (Change.Parse(payload) is { } change)
        {
            Announce(change);
        }

        return null;
    }
}
