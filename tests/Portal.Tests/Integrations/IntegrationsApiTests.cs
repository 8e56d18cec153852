using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Portal.Tests.Infrastructure;
using static Portal.Tests.Infrastructure.ApiTestData;

namespace Portal.Tests.Integrations;

/// <summary>Seed 001: integrations of a tenant.</summary>
public sealed partial class IntegrationsApiTests(PortalApplication app) : IClassFixture<PortalApplication>
{
    private const string Integrations = Base + "/integrations";

    [Fact]
    public async Task Creating_an_integration_is_a_201_echoing_the_body_with_epoch_millisecond_timestamps()
    {
        using var http = await app.ClientAsync();
        var id = NewId("create");
        using var response = await http.PostAsJsonAsync(Integrations, SmallIntegration(id, "Create me", ["alpha"], "What it does"));
        var created = await response.ExpectAsync(HttpStatusCode.Created);

        Assert.Equal($"{Integrations}/{id}", response.Headers.Location?.OriginalString);
        Assert.Equal(id, created["id"]!.GetValue<string>());
        Assert.Equal("Create me", created["displayName"]!.GetValue<string>());
        Assert.Equal("What it does", created["description"]!.GetValue<string>());
        Assert.Equal(["alpha"], created["tags"]!.AsArray().Select(t => t!.GetValue<string>()));
        Assert.Equal("CUSTOM", created["type"]!.GetValue<string>());
        Assert.False(created["isInternal"]!.GetValue<bool>());
        var createdAt = created["createdAt"]!.GetValue<long>();
        Assert.True(createdAt > 1_700_000_000_000L, $"createdAt {createdAt} is not epoch milliseconds");
        Assert.True(createdAt < DateTimeOffset.UtcNow.AddMinutes(1).ToUnixTimeMilliseconds(), $"createdAt {createdAt} is in the future");
        Assert.Equal(createdAt, created["modifiedAt"]!.GetValue<long>());

        var fetched = await (await http.GetAsync($"{Integrations}/{id}")).ExpectAsync(HttpStatusCode.OK);
        Assert.True(JsonNode.DeepEquals(created, fetched), $"GET differs from the create response:\n{created}\n{fetched}");
    }

    [Theory]
    [InlineData("has space")]
    [InlineData("slash/inside")]
    [InlineData("dot.inside")]
    [InlineData("")]
    public async Task An_id_outside_the_pattern_is_a_400_problem_naming_the_id(string id)
    {
        using var http = await app.ClientAsync();
        await (await http.PostAsJsonAsync(Integrations, SmallIntegration(id))).ExpectValidationAsync("id");
    }

    [Fact]
    public async Task An_id_longer_than_64_characters_is_a_400_problem_naming_the_id()
    {
        using var http = await app.ClientAsync();
        await (await http.PostAsJsonAsync(Integrations, SmallIntegration(new string('a', 65)))).ExpectValidationAsync("id");
    }

    [Fact]
    public async Task Creating_a_duplicate_id_is_a_409_problem()
    {
        using var http = await app.ClientAsync();
        var id = NewId("dup");
        await http.CreateIntegrationAsync(SmallIntegration(id, "First"));

        await (await http.PostAsJsonAsync(Integrations, SmallIntegration(id, "Second"))).ExpectProblemAsync(HttpStatusCode.Conflict);

        var kept = await (await http.GetAsync($"{Integrations}/{id}")).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("First", kept["displayName"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_display_name_over_100_characters_is_a_400_problem_naming_displayName()
    {
        using var http = await app.ClientAsync();
        var id = NewId("long-name");
        await (await http.PostAsJsonAsync(Integrations, SmallIntegration(id, new string('n', 101)))).ExpectValidationAsync("displayName");
        await (await http.GetAsync($"{Integrations}/{id}")).ExpectProblemAsync(HttpStatusCode.NotFound);

        // exactly 100 is fine
        await http.CreateIntegrationAsync(SmallIntegration(id, new string('n', 100)));
    }

    [Fact]
    public async Task A_missing_display_name_is_a_400_problem_naming_displayName()
    {
        using var http = await app.ClientAsync();
        await (await http.PostAsJsonAsync(Integrations, new { id = NewId("no-name") })).ExpectValidationAsync("displayName");
    }

    [Fact]
    public async Task A_description_over_500_characters_is_a_400_problem_naming_description()
    {
        using var http = await app.ClientAsync();
        var id = NewId("long-desc");
        await (await http.PostAsJsonAsync(Integrations, SmallIntegration(id, description: new string('d', 501)))).ExpectValidationAsync("description");
        await http.CreateIntegrationAsync(SmallIntegration(id, description: new string('d', 500)));
    }

    [Fact]
    public async Task A_malformed_body_is_a_400_problem()
    {
        using var http = await app.ClientAsync();
        using var content = new StringContent("{\"id\": \"broken\", \"type\": \"NOT_A_TYPE\"}", Encoding.UTF8, "application/json");
        await (await http.PostAsync(Integrations, content)).ExpectProblemAsync(HttpStatusCode.BadRequest);
    }
}
