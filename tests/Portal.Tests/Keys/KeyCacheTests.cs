using Microsoft.Extensions.Options;
using Portal.Core.Data;
using Portal.Core.Keys;
using Portal.Core.Tenancy;

namespace Portal.Tests.Keys;

/// <summary>
/// DESIGN.md "Key check from memory": the cache answers from memory only while it hears every change, and never keeps
/// an answer read from the store before a change whose eviction it has already seen.
/// </summary>
public sealed class KeyCacheTests
{
    private static readonly IssuedKey Stored = new() { TenantId = "default", Kind = KeyKind.WebhookKey, OwnerId = "config:1", Hash = "h1", KeyPrefix = "whk_1234", CreatedBy = "test" };

    private static (ChangeFeed Feed, KeyCache Cache) Create(StoreProvider provider = StoreProvider.Sqlite)
    {
        var feed = new ChangeFeed(new StoreInfo(provider));
        return (feed, new KeyCache(feed, TimeProvider.System, Options.Create(new PortalOptions())));
    }

    private static Func<CancellationToken, Task<IssuedKey?>> Counting(List<int> reads, Action? during = null) => _ =>
    {
        reads.Add(1);
        during?.Invoke();
        return Task.FromResult<IssuedKey?>(Stored);
    };

    [Fact]
    public async Task A_key_is_read_from_the_store_once_then_from_memory_until_a_change_to_it_is_announced()
    {
        var (feed, cache) = Create();
        var reads = new List<int>();

        await cache.FindAsync("h1", Counting(reads), default);
        await cache.FindAsync("h1", Counting(reads), default);
        Assert.Single(reads);

        feed.Announce(new Change(ChangeTopic.Key, "h1", "default|config:1"));
        await cache.FindAsync("h1", Counting(reads), default);
        Assert.Equal(2, reads.Count);
    }

    [Fact]
    public async Task An_answer_read_while_a_change_was_announced_is_not_kept()
    {
        var (feed, cache) = Create();
        var reads = new List<int>();

        // The store was read before the rotation committed, the eviction ran before the read returned.
        await cache.FindAsync("h1", Counting(reads, () => feed.Announce(new Change(ChangeTopic.Key, "h1", "default|config:1"))), default);
        await cache.FindAsync("h1", Counting(reads), default);

        Assert.Equal(2, reads.Count);
    }

    [Fact]
    public async Task Without_a_live_listener_every_check_reads_the_store()
    {
        var (feed, cache) = Create(StoreProvider.Postgres); // nobody listening yet
        var reads = new List<int>();

        await cache.FindAsync("h1", Counting(reads), default);
        await cache.FindAsync("h1", Counting(reads), default);
        Assert.Equal(2, reads.Count);

        feed.ComeUp(DateTimeOffset.UtcNow);
        await cache.FindAsync("h1", Counting(reads), default);
        await cache.FindAsync("h1", Counting(reads), default);
        Assert.Equal(3, reads.Count);

        feed.GoDown(); // the listener dropped: forget and read the store again
        await cache.FindAsync("h1", Counting(reads), default);
        Assert.Equal(4, reads.Count);
        Assert.Equal(1, feed.Outages);
    }

    [Fact]
    public async Task An_unknown_key_is_remembered_until_a_key_with_its_hash_is_announced()
    {
        var (feed, cache) = Create();
        var reads = 0;
        Task<IssuedKey?> Missing(CancellationToken _)
        {
            reads++;
            return Task.FromResult<IssuedKey?>(null);
        }

        Assert.Null(await cache.FindAsync("h2", Missing, default));
        Assert.Null(await cache.FindAsync("h2", Missing, default));
        Assert.Equal(1, reads);

        feed.Announce(new Change(ChangeTopic.Key, "h2", "default|config:2"));
        var found = await cache.FindAsync("h2", _ => Task.FromResult<IssuedKey?>(Stored), default);
        Assert.Equal((Stored.Id, Stored.OwnerId, Stored.KeyPrefix), (found!.Id, found.OwnerId, found.KeyPrefix));
        Assert.Null(found.ProtectedValue); // the cache keeps no encrypted value: a check compares hashes
    }

    [Fact]
    public void A_notification_payload_names_the_key_and_its_owner_and_junk_is_ignored()
    {
        Assert.Equal(new Change(ChangeTopic.Key, "abc", "default|config:x|y"), Change.Parse("key|abc|default|config:x|y"));
        Assert.Equal(new Change(ChangeTopic.Setup, "Configs"), Change.Parse("setup|Configs"));
        Assert.Null(Change.Parse("key|abc"));
        Assert.Null(Change.Parse("sync"));
        Assert.Null(Change.Parse(""));
    }
}
