using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Security;

/// <summary>Repeated failures at /connect/token and at the sign-in form are throttled, and audited.</summary>
public sealed class GuessingThrottleTests : IDisposable
{
    // Small budgets so a test reaches them; the window is long so nothing resets during a test.
    private readonly PortalApplication _app = new()
    {
        Settings =
        {
            ["Portal:Security:TokenFailuresPerClient"] = "3",
            ["Portal:Security:TokenFailuresPerAddress"] = "6",
            ["Portal:Security:SignInFailuresPerAddress"] = "6",
            ["Portal:Security:SignInMaxFailures"] = "3",
            ["Portal:Security:FailureWindow"] = "01:00:00",
            ["Portal:Security:SignInLockout"] = "01:00:00",
        },
    };

    public void Dispose() => _app.Dispose();

    private async Task<HttpResponseMessage> TokenRequestAsync(string clientId, string secret)
    {
        using var http = _app.CreateClient();
        return await http.PostAsync("/connect/token", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials",
            ["client_id"] = clientId,
            ["client_secret"] = secret,
        }));
    }

    private static async Task ExpectThrottledAsync(HttpResponseMessage response)
    {
        var body = await response.ExpectAsync(HttpStatusCode.TooManyRequests);
        Assert.True(int.Parse(response.Headers.GetValues("Retry-After").Single(), System.Globalization.CultureInfo.InvariantCulture) > 0);
        Assert.Equal("temporarily_unavailable", body["error"]!.GetValue<string>());
        Assert.Contains("retry after", body["error_description"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.DoesNotContain("access_token", body.ToJsonString(), StringComparison.Ordinal);
    }

    private async Task<(string ClientId, string Secret)> CreateClientAsync()
    {
        using var admin = await _app.ClientAsync();
        var body = await (await admin.PostAsJsonAsync("/v1/tenants/default/api-clients", new { displayName = "guessed", role = "Viewer" })).ExpectAsync(HttpStatusCode.Created);
        return (body["clientId"]!.GetValue<string>(), body["clientSecret"]!.GetValue<string>());
    }

    [Fact]
    public async Task Wrong_secrets_for_one_client_are_throttled_with_429_and_Retry_After_and_audited()
    {
        var (clientId, secret) = await CreateClientAsync();
        for (var i = 0; i < 3; i++)
        {
            using var wrong = await TokenRequestAsync(clientId, $"pcs_wrong-guess-{i}");
            Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        }

        // The budget is spent: even the right secret is refused now, before it is checked.
        await ExpectThrottledAsync(await TokenRequestAsync(clientId, secret));

        // Another client is not affected by this client's budget.
        await _app.TokenAsync(PortalApplication.AdminClientId, PortalApplication.AdminClientSecret);

        using var admin = await _app.ClientAsync();
        var audit = await (await admin.GetAsync($"/v1/tenants/default/audit?target=api-clients/{clientId}")).ExpectAsync(HttpStatusCode.OK);
        var events = audit["items"]!.AsArray().Select(e => (e!["action"]!.GetValue<string>(), e["outcome"]!.GetValue<string>())).ToList();
        Assert.Equal(3, events.Count(e => e == ("apiClient.token", "failed")));
        Assert.Single(events, e => e == ("apiClient.tokenThrottled", "denied"));
        Assert.DoesNotContain("pcs_wrong-guess", audit.ToJsonString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Failures_across_many_client_ids_from_one_address_are_throttled()
    {
        for (var i = 0; i < 6; i++)
        {
            using var wrong = await TokenRequestAsync($"pc_guess{i}", "pcs_wrong");
            Assert.True(wrong.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.BadRequest, $"attempt {i}: {(int)wrong.StatusCode}");
        }

        // Every client id is new, so only the per-address budget can refuse this one.
        await ExpectThrottledAsync(await TokenRequestAsync(PortalApplication.AdminClientId, PortalApplication.AdminClientSecret));
    }

    [Fact]
    public async Task Successful_token_requests_cost_nothing()
    {
        for (var i = 0; i < 8; i++)
        {
            await _app.TokenAsync(PortalApplication.AdminClientId, PortalApplication.AdminClientSecret);
        }
    }

    [Fact]
    public async Task Wrong_passwords_lock_the_account_with_a_readable_message_and_the_lockout_is_audited()
    {
        const string email = "guessed.member@example.com";
        using var admin = await _app.ClientAsync();
        var added = await (await admin.PostAsJsonAsync("/v1/tenants/default/members", new { email, role = "Viewer" })).ExpectAsync(HttpStatusCode.OK);
        var password = added["initialPassword"]!.GetValue<string>();

        using var browser = _app.Browser();
        for (var i = 0; i < 2; i++)
        {
            var page = await (await browser.PostLoginAsync(email, $"Wrong-Passw0rd-{i}!")).Content.ReadAsStringAsync();
            Assert.Contains("E-mail or password is wrong.", page, StringComparison.Ordinal);
        }

        var locked = await (await browser.PostLoginAsync(email, "Wrong-Passw0rd-3!")).Content.ReadAsStringAsync();
        Assert.Contains("This account is locked", locked, StringComparison.Ordinal);

        // Locked: the right password is refused too, and no sign-in cookie is set.
        using var right = await browser.PostLoginAsync(email, password);
        Assert.Equal(HttpStatusCode.OK, right.StatusCode);
        Assert.Contains("This account is locked", await right.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        using var api = await browser.GetAsync("/v1/tenants");
        Assert.Equal(HttpStatusCode.Unauthorized, api.StatusCode);

        var audit = await (await admin.GetAsync($"/v1/tenants/default/audit?action=account.signIn")).ExpectAsync(HttpStatusCode.OK);
        Assert.Contains(audit["items"]!.AsArray(), e => e!["actor"]!.GetValue<string>() == email && e["outcome"]!.GetValue<string>() == "denied");
    }

    [Fact]
    public async Task Failed_sign_ins_across_accounts_from_one_address_are_throttled()
    {
        using var browser = _app.Browser();
        for (var i = 0; i < 6; i++)
        {
            var page = await (await browser.PostLoginAsync($"nobody{i}@example.com", "Wrong-Passw0rd!")).Content.ReadAsStringAsync();
            Assert.Contains("E-mail or password is wrong.", page, StringComparison.Ordinal);
        }

        // The admin's right password is not even checked from this address now.
        using var refused = await browser.PostLoginAsync(PortalApplication.AdminEmail, PortalApplication.AdminPassword);
        Assert.Contains("Too many failed sign-ins from your network address", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        using var api = await browser.GetAsync("/v1/tenants");
        Assert.Equal(HttpStatusCode.Unauthorized, api.StatusCode);
    }
}
