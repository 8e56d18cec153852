using Microsoft.Extensions.Options;
using Portal.Core.Data;
using Portal.Core.Tenancy;

namespace Portal.Core.Keys;

/// <summary>
/// Issued keys by SHA-256 hash, in memory (DESIGN.md "Key check from memory"). A miss reads the store once; a hash the
/// store does not know is remembered briefly (bounded, so probing cannot grow it). A change to a key (mint, rotation,
/// revocation, grace period) evicts it through the <see cref="ChangeFeed"/> before the changing call returns on this
/// instance and, on PostgreSQL, on every listening instance; while the feed is down every check reads the store.
/// Also holds the usable encrypted secrets of an owner (a signing secret's values, to verify signatures), evicted the same way.
/// </summary>
public sealed class KeyCache
{
    /// <summary>How long "no such key" is remembered: a key minted meanwhile is announced and evicts it sooner.</summary>
    public static readonly TimeSpan UnknownFor = TimeSpan.FromSeconds(2);
    private const int UnknownCapacity = 10_000;

    private readonly FeedCache<string, IssuedKey> _known;
    private readonly FeedCache<string, bool> _unknown;
    private readonly FeedCache<string, IReadOnlyList<UsableSecret>> _usable;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, string> _strings = new(StringComparer.Ordinal);

    public KeyCache(ChangeFeed feed, TimeProvider time, IOptions<PortalOptions> options)
    {
        _known = new FeedCache<string, IssuedKey>(feed, time, options.Value.KeyCacheCapacity, StringComparer.Ordinal);
        _unknown = new FeedCache<string, bool>(feed, time, UnknownCapacity, StringComparer.Ordinal);
        _usable = new FeedCache<string, IReadOnlyList<UsableSecret>>(feed, time, 100_000, StringComparer.Ordinal);
        feed.Changed += change =>
        {
            if (change.Topic == ChangeTopic.Key)
            {
                _known.Evict(change.Id);
                _unknown.Evict(change.Id);
                if (change.Owner is { } owner)
                {
                    _usable.Evict(owner);
                }
            }
        };
    }

    /// <summary>Keys held in memory now (for the bench's memory figure).</summary>
    public int Count => _known.Count;

    /// <summary>The key with this hash, from memory or read once by <paramref name="load"/>; null when the store has none.</summary>
    /// <remarks>The returned key is shared: read it, never change it.</remarks>
    public async ValueTask<IssuedKey?> FindAsync(string hash, Func<CancellationToken, Task<IssuedKey?>> load, CancellationToken ct)
    {
        if (_known.TryGet(hash, out var key))
        {
            return key;
        }

        if (_unknown.TryGet(hash, out _))
        {
            return null;
        }

        var generation = _known.Generation;
        var found = await load(ct);
        if (found is not null)
        {
            _known.Keep(hash, found = Slim(found, hash), generation);
        }
        else
        {
            if (_unknown.Count >= UnknownCapacity)
            {
                _unknown.Clear(); // bounded: a flood of made-up keys costs lookups, never memory
            }

            _unknown.Keep(hash, true, generation, UnknownFor);
        }

        return found;
    }

    /// <summary>
    /// What a check needs of a key, and no more: no encrypted value (a check compares hashes), the lookup string shared
    /// with the dictionary's key, tenants and scopes shared between keys. About a third of a full row's memory.
    /// </summary>
    private IssuedKey Slim(IssuedKey key, string hash) => new()
    {
        Id = key.Id,
        TenantId = _strings.GetOrAdd(key.TenantId, key.TenantId),
        Kind = key.Kind,
        OwnerId = key.OwnerId,
        Hash = hash,
        KeyPrefix = key.KeyPrefix,
        CreatedAt = key.CreatedAt,
        ExpiresAt = key.ExpiresAt,
        RevokedAt = key.RevokedAt,
        LastUsedAt = key.LastUsedAt,
        CreatedBy = "",
        Scopes = _strings.GetOrAdd(key.Scopes, key.Scopes),
    };

    /// <summary>An owner's usable encrypted secrets (with when each stops working), from memory or read once.</summary>
    public ValueTask<IReadOnlyList<UsableSecret>> UsableAsync(string tenantId, string ownerId, Func<CancellationToken, Task<IReadOnlyList<UsableSecret>>> load, CancellationToken ct) =>
        _usable.GetAsync($"{tenantId}|{ownerId}", (_, c) => load(c), _ => null, ct);
}

/// <summary>A decrypted secret an owner may still use, and until when (null: until rotated).</summary>
public sealed record UsableSecret(string Value, long? ExpiresAt, long CreatedAt, KeyKind Kind);
