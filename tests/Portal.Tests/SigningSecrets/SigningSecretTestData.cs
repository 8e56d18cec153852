using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core.Keys;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.SigningSecrets;

internal static class SigningSecretTestData
{
    public const string Secrets = "/v1/tenants/default/signing-secrets";
    public const string XrpcRotate = "/xrpc/place.wisp.v2.secret.rotate";

    public static string NewName(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 13)];

    /// <summary>Creates a signing secret through the REST API and returns its first token.</summary>
    public static async Task<string> CreateSigningSecretAsync(this HttpClient http, string name)
    {
        var created = await (await http.PostAsJsonAsync(Secrets, new { name })).ExpectAsync(HttpStatusCode.Created);
        return created["token"]!.GetValue<string>();
    }

    /// <summary>The tokens a webhook verifier would accept for this name right now (the key engine's view).</summary>
    public static Task<IReadOnlyList<string>> UsableTokensAsync(this PortalApplication app, string name, string tenant = PortalApplication.Tenant) =>
        app.Services.GetRequiredService<KeyEngine>().RevealUsableAsync(tenant, KeyOwner.ForSigningSecret(name));

    public static Task<HttpResponseMessage> XrpcRotateAsync(this HttpClient http, object body) => http.PostAsJsonAsync(XrpcRotate, body);

    /// <summary>Asserts an XRPC error body <c>{error, message}</c> (not ProblemDetails) and returns it.</summary>
    public static async Task<JsonObject> ExpectXrpcErrorAsync(this HttpResponseMessage response, HttpStatusCode status, string error)
    {
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var body = await response.ExpectAsync(status);
        Assert.Equal(error, body["error"]?.GetValue<string>());
        Assert.False(string.IsNullOrWhiteSpace(body["message"]?.GetValue<string>()), $"an XRPC error needs a message: {body}");
        Assert.Equal(new[] { "error", "message" }, body.Select(p => p.Key).Order().ToArray());
        return body;
    }
}
