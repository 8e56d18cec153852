using System.Collections.Concurrent;

namespace Portal.Core.Common;

/// <summary>
/// One writer at a time per key inside this process (e.g. per API client on rotate), so concurrent requests queue
/// instead of racing on a concurrency token. Across processes the store's concurrency check still answers 409.
/// </summary>
public sealed class KeyedLock
{
    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);

    public async Task<IDisposable> AcquireAsync(string key, CancellationToken ct = default)
    {
        Entry entry;
        while (true)
        {
            entry = _entries.GetOrAdd(key, _ => new Entry());
            lock (entry)
            {
                if (!entry.Removed)
                {
                    entry.Users++;
                    break;
                }
            }
        }

        try
        {
            await entry.Gate.WaitAsync(ct);
        }
        catch
        {
            Release(key, entry, held: false);
            throw;
        }

        return new Releaser(() => Release(key, entry, held: true));
    }

    private void Release(string key, Entry entry, bool held)
    {
        if (held)
        {
            entry.Gate.Release();
        }

        lock (entry)
        {
            if (--entry.Users == 0)
            {
                entry.Removed = true;
                _entries.TryRemove(KeyValuePair.Create(key, entry));
            }
        }
    }

    private sealed class Entry
    {
        public SemaphoreSlim Gate { get; } = new(1, 1);
        public int Users { get; set; }
        public bool Removed { get; set; }
    }

    private sealed class Releaser(Action release) : IDisposable
    {
        private Action? _release = release;

        public void Dispose() => Interlocked.Exchange(ref _release, null)?.Invoke();
    }
}
