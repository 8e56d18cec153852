using System.Net;
using System.Net.Http.Json;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Hosting;

public sealed class FoundationTests(PortalApplication app) : IClassFixture<PortalApplication>
{
    [Fact]
    public async Task Health_and_readiness_answer_ok()
    {
        using var http = app.CreateClient();
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/healthz")).StatusCode);
        Assert.Equal("Healthy", await (await http.GetAsync("/readyz")).Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task An_api_call_without_a_token_is_a_401_problem()
    {
        using var http = app.CreateClient();
        var problem = await (await http.GetAsync("/v1/tenants/default/integrations")).ExpectProblemAsync(HttpStatusCode.Unauthorized);
        Assert.Equal("/v1/tenants/default/integrations", problem["instance"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_client_credentials_token_opens_the_api()
    {
        using var http = await app.ClientAsync();
        var page = await (await http.GetAsync("/v1/tenants/default/integrations")).ExpectAsync(HttpStatusCode.OK);
        Assert.NotNull(page["items"]);
        Assert.NotNull(page["total"]);
    }

    [Fact]
    public async Task A_wrong_client_secret_gets_no_token()
    {
        using var http = app.CreateClient();
        using var response = await http.PostAsync("/connect/token", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials",
            ["client_id"] = PortalApplication.AdminClientId,
            ["client_secret"] = "wrong",
        }));
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.DoesNotContain("access_token", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_openapi_document_names_every_operation()
    {
        using var http = app.CreateClient();
        var doc = await (await http.GetAsync("/openapi/v1.json")).ExpectAsync(HttpStatusCode.OK);
        var operations = doc["paths"]!.AsObject().SelectMany(p => p.Value!.AsObject().Where(o => o.Key is "get" or "post" or "put" or "patch" or "delete")).ToList();
        Assert.NotEmpty(operations);
        Assert.All(operations, o => Assert.False(string.IsNullOrEmpty(o.Value!["operationId"]?.GetValue<string>()), $"operation without operationId"));
        Assert.Contains(operations, o => o.Value!["operationId"]!.GetValue<string>() == "integrations.create");
    }
}
