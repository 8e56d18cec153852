using System.Text;
using Portal.Core.Webhooks;

namespace Portal.Tests.Webhooks;

/// <summary>The Standard Webhooks specification's published vector (also used by the standardwebhooks and Svix libraries).</summary>
public sealed class StandardWebhookSignatureTests
{
    private const string Secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    private const string Id = "msg_p5jXN8AQM9LWM0D4loKWxJek";
    private const long Timestamp = 1614265330;
    private const string Body = """{"test": 2432232314}""";
    private const string Expected = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";
    private static readonly DateTimeOffset SignedAt = DateTimeOffset.FromUnixTimeSeconds(Timestamp);

    private static bool Verify(string secret = Secret, string id = Id, string timestamp = "1614265330", string signature = Expected, string body = Body, DateTimeOffset? now = null) =>
        StandardWebhookSignature.Verify([secret], id, timestamp, signature, Encoding.UTF8.GetBytes(body), now ?? SignedAt);

    [Fact]
    public void Signing_the_specification_vector_gives_the_published_signature() =>
        Assert.Equal(Expected, StandardWebhookSignature.Sign(Secret, Id, Timestamp, Encoding.UTF8.GetBytes(Body)));

    [Fact]
    public void The_published_signature_verifies() => Assert.True(Verify());

    [Theory]
    [InlineData("""{"test": 2432232315}""")]
    [InlineData("""{"test":2432232314}""")]
    public void A_changed_body_does_not_verify(string body) => Assert.False(Verify(body: body));

    [Fact]
    public void Another_message_id_or_timestamp_does_not_verify()
    {
        Assert.False(Verify(id: "msg_other"));
        Assert.False(Verify(timestamp: "1614265331", now: SignedAt));
    }

    [Fact]
    public void Another_secret_does_not_verify() => Assert.False(Verify(secret: "whsec_c2VjcmV0LW9mLWEtcm90YXRlZC1lbmRwb2ludA=="));

    [Fact]
    public void A_timestamp_more_than_five_minutes_from_now_does_not_verify_either_way()
    {
        Assert.True(Verify(now: SignedAt.AddMinutes(5)));
        Assert.False(Verify(now: SignedAt.AddMinutes(5).AddSeconds(1)));
        Assert.False(Verify(now: SignedAt.AddMinutes(-5).AddSeconds(-1)));
    }

    [Fact]
    public void Any_matching_signature_in_a_space_separated_list_verifies()
    {
        Assert.True(Verify(signature: $"v1,bm90LXRoZS1zaWduYXR1cmU= {Expected}"));
        Assert.True(Verify(signature: $"v1a,ignored {Expected}"));
        Assert.False(Verify(signature: "v1,bm90LXRoZS1zaWduYXR1cmU="));
    }

    [Theory]
    [InlineData("")]
    [InlineData("g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")]
    [InlineData("v2,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")]
    [InlineData("v1,not base64!")]
    public void A_missing_or_malformed_signature_does_not_verify(string signature) => Assert.False(Verify(signature: signature));

    [Fact]
    public void Any_of_several_secrets_verifies_so_a_secret_in_its_grace_period_still_works() =>
        Assert.True(StandardWebhookSignature.Verify(["whsec_c2VjcmV0LW9mLWEtcm90YXRlZC1lbmRwb2ludA==", Secret], Id, "1614265330", Expected, Encoding.UTF8.GetBytes(Body), SignedAt));

    [Fact]
    public void A_secret_without_the_whsec_prefix_is_not_a_key() => Assert.False(Verify(secret: "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"));
}
