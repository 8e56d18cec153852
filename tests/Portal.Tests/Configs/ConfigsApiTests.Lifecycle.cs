using System.Net;
using System.Net.Http.Json;
using Portal.Tests.Infrastructure;
using static Portal.Tests.Infrastructure.ApiTestData;

namespace Portal.Tests.Configs;

public sealed partial class ConfigsApiTests
{
    [Fact]
    public async Task A_config_addressed_under_another_integration_is_a_404_problem()
    {
        using var http = await app.ClientAsync();
        var crm = await CrmAsync(http);
        var other = await CrmAsync(http);
        var config = await http.CreateConfigAsync(crm, ValidConfig());
        var wrong = $"{Configs(other)}/{config["id"]}";

        await (await http.GetAsync(wrong)).ExpectProblemAsync(HttpStatusCode.NotFound);
        await (await http.PatchAsJsonAsync(wrong, new { displayName = "hijack" })).ExpectProblemAsync(HttpStatusCode.NotFound);
        await (await http.PostAsync($"{wrong}:publish", null)).ExpectProblemAsync(HttpStatusCode.NotFound);
        await (await http.GetAsync($"{wrong}/revisions")).ExpectProblemAsync(HttpStatusCode.NotFound);
        await (await http.DeleteAsync(wrong)).ExpectProblemAsync(HttpStatusCode.NotFound);

        var list = await (await http.GetAsync(Configs(other))).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(0, list["total"]!.GetValue<int>());
        var kept = await (await http.GetAsync($"{Configs(crm)}/{config["id"]}")).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("Prod", kept["displayName"]!.GetValue<string>());
    }

    [Fact]
    public async Task Configs_of_an_unknown_integration_are_a_404_problem()
    {
        using var http = await app.ClientAsync();
        var missing = NewId("missing");
        await (await http.GetAsync(Configs(missing))).ExpectProblemAsync(HttpStatusCode.NotFound);
        await (await http.PostAsJsonAsync(Configs(missing), ValidConfig())).ExpectProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task An_unknown_config_is_a_404_problem()
    {
        using var http = await app.ClientAsync();
        var crm = await CrmAsync(http);
        await (await http.GetAsync($"{Configs(crm)}/{Guid.NewGuid()}")).ExpectProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Deleting_a_config_is_a_204_and_then_it_is_gone()
    {
        using var http = await app.ClientAsync();
        var crm = await CrmAsync(http);
        var config = await http.CreateConfigAsync(crm, ValidConfig());
        var url = $"{Configs(crm)}/{config["id"]}";
        await (await http.PostAsync($"{url}:publish", null)).ExpectAsync(HttpStatusCode.OK);

        using var deleted = await http.DeleteAsync(url);
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        await (await http.GetAsync(url)).ExpectProblemAsync(HttpStatusCode.NotFound);
        await (await http.GetAsync($"{url}/revisions")).ExpectProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Deleting_an_integration_takes_its_configs_with_it()
    {
        using var http = await app.ClientAsync();
        var crm = await CrmAsync(http);
        var config = await http.CreateConfigAsync(crm, ValidConfig());
        using var deleted = await http.DeleteAsync($"{Base}/integrations/{crm}");
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);

        // same id again: the old config must not reappear under the new integration
        await http.CreateIntegrationAsync(Integration(crm));
        await (await http.GetAsync($"{Configs(crm)}/{config["id"]}")).ExpectProblemAsync(HttpStatusCode.NotFound);
    }
}
