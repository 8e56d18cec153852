using Microsoft.Extensions.Time.Testing;
using Portal.Core.Data;

namespace Portal.Tests.Data;

/// <summary>Time-limited answers go when their time is up: they never hold a full cache's places against new answers.</summary>
public sealed class FeedCacheTests
{
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);
    private readonly FeedCache<string, string> _cache;

    public FeedCacheTests() => _cache = new FeedCache<string, string>(new ChangeFeed(new StoreInfo(StoreProvider.Sqlite)), _time, capacity: 2, StringComparer.Ordinal);

    private void Keep(string key, TimeSpan? keepFor = null) => _cache.Keep(key, "value of " + key, _cache.Generation, keepFor);

    [Fact]
    public void A_full_cache_of_expired_answers_keeps_a_new_one()
    {
        Keep("gone-1", TimeSpan.FromMinutes(1));
        Keep("gone-2", TimeSpan.FromMinutes(1));
        Keep("early");
        Assert.False(_cache.TryGet("early", out _)); // full, nothing expired yet: turned away

        _time.Advance(TimeSpan.FromMinutes(2));
        Keep("fresh");

        Assert.True(_cache.TryGet("fresh", out var value));
        Assert.Equal("value of fresh", value);
        Assert.False(_cache.TryGet("gone-1", out _));
        Assert.False(_cache.TryGet("gone-2", out _));
        Assert.Equal(1, _cache.Count);
    }

    [Fact]
    public void A_full_cache_of_answers_still_in_time_keeps_them_and_turns_new_ones_away()
    {
        Keep("kept-1");
        Keep("kept-2", TimeSpan.FromMinutes(5));
        _time.Advance(TimeSpan.FromMinutes(2));

        Keep("new");

        Assert.False(_cache.TryGet("new", out _));
        Assert.True(_cache.TryGet("kept-1", out _));
        Assert.True(_cache.TryGet("kept-2", out _));
    }

    [Fact]
    public void An_expired_answer_asked_for_again_is_forgotten()
    {
        Keep("brief", TimeSpan.FromSeconds(2));
        Assert.True(_cache.TryGet("brief", out _));

        _time.Advance(TimeSpan.FromSeconds(3));

        Assert.False(_cache.TryGet("brief", out _));
        Assert.Equal(0, _cache.Count);
    }
}
