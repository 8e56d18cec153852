using System.Collections.Concurrent;

namespace Portal.Core.Data;

/// <summary>
/// An in-process cache kept true by the <see cref="ChangeFeed"/>: it answers from memory only while the feed is live,
/// keeps a value read from the store only if no change was announced while it was being read, and forgets entries the
/// feed names (or everything on a reset). Its owner decides which changes evict what.
/// </summary>
public sealed class FeedCache<TKey, TValue>
    where TKey : notnull
{
    private readonly ConcurrentDictionary<TKey, Entry> _entries;
    private readonly ChangeFeed _feed;
    private readonly int _capacity;
    private readonly TimeProvider _time;

    /// <summary>When a full cache may next sweep out its expired entries (a timestamp of <see cref="_time"/>).</summary>
    private long _nextSweep;

    /// <summary>
    /// About how many time-limited entries there may be (each one kept adds one; a sweep sets what it left): a cache
    /// that keeps only answers without a time limit (the key cache, up to millions) never walks itself for nothing.
    /// </summary>
    private long _timed;

    public FeedCache(ChangeFeed feed, TimeProvider time, int capacity, IEqualityComparer<TKey>? comparer = null)
    {
        _feed = feed;
        _time = time;
        _capacity = capacity;
        _entries = new ConcurrentDictionary<TKey, Entry>(comparer);
        feed.Reset += Clear;
    }

    public int Count => _entries.Count;

    /// <summary>
    /// The cached value, or the one <paramref name="load"/> reads from the store (kept unless the feed changed meanwhile).
    /// <paramref name="keepFor"/> bounds how long an answer is kept (e.g. a short time for "no such key"); null keeps it
    /// until a change evicts it.
    /// </summary>
    public async ValueTask<TValue> GetAsync(TKey key, Func<TKey, CancellationToken, Task<TValue>> load, Func<TValue, TimeSpan?> keepFor, CancellationToken ct)
    {
        if (TryGet(key, out var cached))
        {
            return cached;
        }

        var generation = Generation;
        var value = await load(key, ct);
        Keep(key, value, generation, keepFor(value));
        return value;
    }

    /// <summary>Take it before reading the store; hand it to <see cref="Keep"/> with what was read.</summary>
    public long Generation => _feed.Generation;

    public bool TryGet(TKey key, out TValue value)
    {
        if (_feed.IsLive && _entries.TryGetValue(key, out var hit))
        {
            if (hit.Until is not { } until || _time.GetTimestamp() < until)
            {
                value = hit.Value;
                return true;
            }

            _entries.TryRemove(new KeyValuePair<TKey, Entry>(key, hit)); // expired: forgotten (this entry only, not one kept since)
        }

        value = default!;
        return false;
    }

    /// <summary>Keeps what was read from the store at <paramref name="generation"/>, unless the feed is down, the cache is full, or a change was announced since.</summary>
    public void Keep(TKey key, TValue value, long generation, TimeSpan? keepFor = null)
    {
        if (!_feed.IsLive || keepFor <= TimeSpan.Zero || (_entries.Count >= _capacity && !_entries.ContainsKey(key) && !(SweepExpired() && _entries.Count < _capacity)))
        {
            return;
        }

        var entry = new Entry(value, keepFor is { } t ? _time.GetTimestamp() + (long)(t.TotalSeconds * _time.TimestampFrequency) : null);
        if (entry.Until is not null)
        {
            Interlocked.Increment(ref _timed);
        }

        _entries[key] = entry;
        if (_feed.Generation != generation)
        {
            // A change was announced while the store was being read: what was read may predate it.
            _entries.TryRemove(new KeyValuePair<TKey, Entry>(key, entry));
        }
    }

    /// <summary>
    /// Drops the entries whose time is up; true when any went. A full cache runs it before it turns an answer away, at
    /// most once a second: time-limited answers ("no such client" for a minute) that nobody asked for again would
    /// otherwise hold their places until the cache is cleared, and a cache full of them keeps nothing new.
    /// </summary>
    private bool SweepExpired()
    {
        var now = _time.GetTimestamp();
        var next = Interlocked.Read(ref _nextSweep);
        if (Interlocked.Read(ref _timed) == 0 || now < next || Interlocked.CompareExchange(ref _nextSweep, now + _time.TimestampFrequency, next) != next)
        {
            return false; // nothing time-limited, swept less than a second ago, or another caller is sweeping now
        }

        var removed = false;
        var left = 0L;
        foreach (var pair in _entries)
        {
            if (pair.Value.Until is { } until)
            {
                if (now >= until && _entries.TryRemove(pair))
                {
                    removed = true;
                }
                else
                {
                    left++;
                }
            }
        }

        Interlocked.Exchange(ref _timed, left); // one kept meanwhile may go uncounted: it still expires, and is dropped when read
        return removed;
    }

    public void Evict(TKey key) => _entries.TryRemove(key, out _);

    /// <summary>Evicts every entry whose key matches (for changes that name a group, e.g. an owner).</summary>
    public void EvictWhere(Func<TKey, TValue, bool> match)
    {
        foreach (var (key, entry) in _entries)
        {
            if (match(key, entry.Value))
            {
                _entries.TryRemove(key, out _);
            }
        }
    }

    public void Clear() => _entries.Clear();

    private sealed record Entry(TValue Value, long? Until);
}
