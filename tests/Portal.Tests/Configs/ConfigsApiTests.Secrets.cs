using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Portal.Tests.Infrastructure;
using static Portal.Tests.Infrastructure.ApiTestData;

namespace Portal.Tests.Configs;

public sealed partial class ConfigsApiTests
{
    [Fact]
    public async Task A_secret_parameter_is_never_returned_and_is_reported_as_set()
    {
        using var http = await app.ClientAsync();
        var crm = await CrmAsync(http);
        const string token = "cfg-secret-token-5c0ffee";
        using var response = await http.PostAsJsonAsync(Configs(crm), WithParameter("apiToken", token));
        var text = await response.Content.ReadAsStringAsync();
        var config = await response.ExpectAsync(HttpStatusCode.Created);
        Assert.DoesNotContain(token, text, StringComparison.Ordinal);
        Assert.False(config["parameters"]!.AsObject().ContainsKey("apiToken"));
        Assert.True(config["secretParameters"]!["apiToken"]!["set"]!.GetValue<bool>());

        using var get = await http.GetAsync($"{Configs(crm)}/{config["id"]}");
        var getText = await get.Content.ReadAsStringAsync();
        var fetched = await get.ExpectAsync(HttpStatusCode.OK);
        Assert.DoesNotContain(token, getText, StringComparison.Ordinal);
        Assert.True(fetched["secretParameters"]!["apiToken"]!["set"]!.GetValue<bool>());
    }

    [Fact]
    public async Task A_secret_parameter_not_given_is_reported_as_not_set()
    {
        using var http = await app.ClientAsync();
        var crm = await CrmAsync(http);
        var config = await http.CreateConfigAsync(crm, ValidConfig());
        Assert.False(config["secretParameters"]!["apiToken"]!["set"]!.GetValue<bool>());
    }

    [Fact]
    public async Task Patch_without_the_secret_keeps_it_and_null_clears_it()
    {
        using var http = await app.ClientAsync();
        var crm = await CrmAsync(http);
        var config = await http.CreateConfigAsync(crm, WithParameter("apiToken", "cfg-keep-token"));
        var url = $"{Configs(crm)}/{config["id"]}";

        var kept = await (await http.PatchAsJsonAsync(url, new JsonObject { ["parameters"] = new JsonObject { ["port"] = 9000 } })).ExpectAsync(HttpStatusCode.OK);
        Assert.True(kept["secretParameters"]!["apiToken"]!["set"]!.GetValue<bool>());
        Assert.Equal(9000, kept["parameters"]!["port"]!.GetValue<int>());
        Assert.Equal("https://crm.example", kept["parameters"]!["baseUrl"]!.GetValue<string>());

        var renamed = await (await http.PatchAsJsonAsync(url, new { displayName = "Renamed" })).ExpectAsync(HttpStatusCode.OK);
        Assert.True(renamed["secretParameters"]!["apiToken"]!["set"]!.GetValue<bool>());
        Assert.Equal("Renamed", renamed["displayName"]!.GetValue<string>());

        var cleared = await (await http.PatchAsJsonAsync(url, new JsonObject { ["parameters"] = new JsonObject { ["apiToken"] = null } })).ExpectAsync(HttpStatusCode.OK);
        Assert.False(cleared["secretParameters"]!["apiToken"]!["set"]!.GetValue<bool>());

        var fetched = await (await http.GetAsync(url)).ExpectAsync(HttpStatusCode.OK);
        Assert.False(fetched["secretParameters"]!["apiToken"]!["set"]!.GetValue<bool>());
        Assert.Equal(9000, fetched["parameters"]!["port"]!.GetValue<int>());
    }

    [Fact]
    public async Task Patch_with_an_invalid_value_is_a_400_problem_and_leaves_the_draft_alone()
    {
        using var http = await app.ClientAsync();
        var crm = await CrmAsync(http);
        var config = await http.CreateConfigAsync(crm, WithParameter("port", 8443));
        var url = $"{Configs(crm)}/{config["id"]}";

        await (await http.PatchAsJsonAsync(url, new JsonObject { ["parameters"] = new JsonObject { ["port"] = 70000 } })).ExpectValidationAsync("parameters.port");
        await (await http.PatchAsJsonAsync(url, new JsonObject { ["parameters"] = new JsonObject { ["baseUrl"] = null } })).ExpectValidationAsync("parameters.baseUrl");

        var fetched = await (await http.GetAsync(url)).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(8443, fetched["parameters"]!["port"]!.GetValue<int>());
        Assert.Equal("https://crm.example", fetched["parameters"]!["baseUrl"]!.GetValue<string>());
    }
}
