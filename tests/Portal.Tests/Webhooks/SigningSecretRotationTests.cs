using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using Portal.Core.Webhooks;
using Portal.Tests.Infrastructure;
using static Portal.Tests.Webhooks.WebhookApi;

namespace Portal.Tests.Webhooks;

/// <summary>Seed 003 through the real receiver: a webhook signed with a rotated-away token is refused at once.</summary>
public sealed class SigningSecretRotationTests(WebhookPortal portal) : IClassFixture<WebhookPortal>
{
    private HttpRequestMessage Signed(string url, string secret, string id, string body = """{"event":"ping"}""")
    {
        var timestamp = portal.Time.GetUtcNow().ToUnixTimeSeconds();
        var request = new HttpRequestMessage(HttpMethod.Post, new Uri(url).PathAndQuery) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Add("webhook-id", id);
        request.Headers.Add("webhook-timestamp", timestamp.ToString(CultureInfo.InvariantCulture));
        request.Headers.Add("webhook-signature", StandardWebhookSignature.Sign(secret, id, timestamp, Encoding.UTF8.GetBytes(body)));
        return request;
    }

    [Fact]
    public async Task A_webhook_signed_with_the_old_token_is_refused_right_after_rotate_and_the_new_token_is_accepted()
    {
        using var admin = await portal.AdminAsync();
        var created = await (await admin.PostAsJsonAsync($"{ApiTestData.Base}/signing-secrets", new { name = "crm-live" })).ExpectAsync(HttpStatusCode.Created);
        var oldToken = created["token"]!.GetValue<string>();
        var (integration, config) = await admin.NewConfigAsync(signingSecretName: "crm-live");
        var url = await admin.GeneratedUrlAsync(integration, config);
        using var provider = portal.Factory.CreateClient();

        Assert.Equal(HttpStatusCode.Accepted, (await provider.SendAsync(Signed(url, oldToken, "msg_before"))).StatusCode);

        var rotated = await (await admin.PostAsync($"{ApiTestData.Base}/signing-secrets/crm-live:rotate", null)).ExpectAsync(HttpStatusCode.OK);
        var newToken = rotated["token"]!.GetValue<string>();
        Assert.NotEqual(oldToken, newToken);

        Assert.Equal(HttpStatusCode.Unauthorized, (await provider.SendAsync(Signed(url, oldToken, "msg_old"))).StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, (await provider.SendAsync(Signed(url, newToken, "msg_new"))).StatusCode);
    }

    [Fact]
    public async Task Deleting_an_integration_revokes_the_webhook_urls_of_its_configs()
    {
        using var admin = await portal.AdminAsync();
        var (integration, config) = await admin.NewConfigAsync();
        var url = await admin.GeneratedUrlAsync(integration, config);
        var prefix = "whk_" + KeyOf(url)[4..12];
        Assert.Equal(HttpStatusCode.Accepted, (await portal.DeliverAsync(url)).StatusCode);

        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync($"{ApiTestData.Base}/integrations/{integration}")).StatusCode);

        Assert.Equal(HttpStatusCode.NotFound, (await portal.DeliverAsync(url)).StatusCode);
        var audit = await (await admin.GetAsync($"{ApiTestData.Base}/audit?action=key.revoke&take=500")).Content.ReadAsStringAsync();
        Assert.Contains(prefix, audit, StringComparison.Ordinal);
    }
}
