using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace Portal.Tests.Infrastructure;

public static class HttpAssertions
{
    /// <summary>Asserts the status and returns the JSON body.</summary>
    public static async Task<JsonObject> ExpectAsync(this HttpResponseMessage response, HttpStatusCode status)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"expected {(int)status}, got {(int)response.StatusCode}: {text}");
        return string.IsNullOrEmpty(text) ? [] : JsonNode.Parse(text) as JsonObject ?? [];
    }

    /// <summary>Asserts an RFC 9457 ProblemDetails body with the status, and returns it.</summary>
    public static async Task<JsonObject> ExpectProblemAsync(this HttpResponseMessage response, HttpStatusCode status)
    {
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.ExpectAsync(status);
        Assert.Equal((int)status, problem["status"]!.GetValue<int>());
        Assert.False(string.IsNullOrEmpty(problem["title"]?.GetValue<string>()));
        Assert.NotNull(problem["traceId"]);
        // RFC 9457: every problem names its type with an absolute URI, and says in detail what went wrong.
        var type = problem["type"]?.GetValue<string>();
        Assert.True(Uri.TryCreate(type, UriKind.Absolute, out _), $"ProblemDetails without an absolute type URI: {problem}");
        Assert.False(string.IsNullOrWhiteSpace(problem["detail"]?.GetValue<string>()), $"ProblemDetails without a detail: {problem}");
        if (status == HttpStatusCode.Unauthorized)
        {
            Assert.True(response.Headers.WwwAuthenticate.Count > 0, "a 401 without WWW-Authenticate (RFC 6750)");
        }

        return problem;
    }

    public static Task<HttpResponseMessage> PatchAsJsonAsync<T>(this HttpClient http, string url, T body) =>
        http.SendAsync(new HttpRequestMessage(HttpMethod.Patch, url) { Content = JsonContent.Create(body) });
}
