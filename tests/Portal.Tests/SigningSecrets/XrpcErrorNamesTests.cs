using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.SigningSecrets;

/// <summary>XRPC errors use only the names the method's lexicon declares, or the protocol's own generic names.</summary>
public sealed class XrpcErrorNamesTests(PortalApplication app) : IClassFixture<PortalApplication>
{
    // seed 003 lexicon: "errors": [ { "name": "AuthenticationRequired" }, { "name": "NotFound" } ]
    private static readonly string[] Lexicon = ["AuthenticationRequired", "NotFound"];

    // The XRPC protocol's generic error names (status-code errors every XRPC client knows), as documented in the README.
    private static readonly string[] Protocol =
        ["InvalidRequest", "Forbidden", "PayloadTooLarge", "UnsupportedMediaType", "RateLimitExceeded", "InternalServerError", "MethodNotImplemented"];

    [Fact]
    public async Task Every_refusal_is_named_by_the_lexicon_or_the_protocol()
    {
        using var admin = await app.ClientAsync();
        using var anonymous = app.CreateClient();
        const string rotate = "/xrpc/place.wisp.v2.secret.rotate";
        var cases = new List<(string Case, HttpResponseMessage Response)>
        {
            ("no token", await anonymous.PostAsync(rotate, Json("""{"name":"x"}"""))),
            ("unknown name", await admin.PostAsync(rotate, Json("""{"name":"does-not-exist"}"""))),
            ("malformed json", await admin.PostAsync(rotate, Json("{"))),
            ("wrong type", await admin.PostAsync(rotate, Json("""{"name":42}"""))),
            ("missing name", await admin.PostAsync(rotate, Json("{}"))),
            ("bad record key", await admin.PostAsync(rotate, Json("""{"name":"../.."}"""))),
            ("wrong verb", await admin.GetAsync(rotate)),
            ("unknown method", await admin.PostAsync("/xrpc/place.wisp.v2.secret.nope", Json("{}"))),
            ("text body", await admin.PostAsync(rotate, new StringContent("name=x", Encoding.UTF8, "text/plain"))),
        };

        Assert.Equal(HttpStatusCode.Unauthorized, cases[0].Response.StatusCode);
        Assert.Equal("NotFound", (await Body(cases[1].Response))["error"]!.GetValue<string>());
        foreach (var (name, response) in cases)
        {
            var body = await Body(response);
            Assert.True((int)response.StatusCode is >= 400 and < 500 or 501, $"{name}: {(int)response.StatusCode}");
            var error = body["error"]?.GetValue<string>();
            Assert.True(error is not null && (Lexicon.Contains(error) || Protocol.Contains(error)), $"{name}: error name '{error}' is neither in the lexicon nor an XRPC protocol name");
            Assert.False(string.IsNullOrWhiteSpace(body["message"]?.GetValue<string>()), $"{name}: no message");
        }
    }

    private static StringContent Json(string text) => new(text, Encoding.UTF8, new MediaTypeHeaderValue("application/json"));

    private static async Task<JsonObject> Body(HttpResponseMessage response) =>
        JsonNode.Parse(await response.Content.ReadAsStringAsync()) as JsonObject ?? throw new Xunit.Sdk.XunitException($"not a JSON object ({(int)response.StatusCode})");
}
