using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Portal.Tests.Infrastructure;
using static Portal.Tests.Infrastructure.ApiTestData;

namespace Portal.Tests.Tenancy;

/// <summary>Roles and tenant isolation: a Viewer reads only; another tenant's resources are 404, never 403.</summary>
public sealed class TenancyApiTests(PortalApplication app) : IClassFixture<PortalApplication>
{
    private const string Integrations = Base + "/integrations";

    [Fact]
    public async Task A_viewer_can_read_everything()
    {
        using var admin = await app.ClientAsync();
        var id = NewId("readable");
        await admin.CreateIntegrationAsync(Integration(id));
        var config = await admin.CreateConfigAsync(id, new JsonObject { ["displayName"] = "Prod", ["parameters"] = new JsonObject { ["baseUrl"] = "https://crm.example" } });
        await (await admin.PostAsync($"{Integrations}/{id}/configs/{config["id"]}:publish", null)).ExpectAsync(HttpStatusCode.OK);

        using var viewer = await app.ClientWithRoleAsync("Viewer");
        await (await viewer.GetAsync(Integrations)).ExpectAsync(HttpStatusCode.OK);
        var fetched = await (await viewer.GetAsync($"{Integrations}/{id}")).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(id, fetched["id"]!.GetValue<string>());
        await (await viewer.GetAsync($"{Integrations}/{id}/configs")).ExpectAsync(HttpStatusCode.OK);
        await (await viewer.GetAsync($"{Integrations}/{id}/configs/{config["id"]}")).ExpectAsync(HttpStatusCode.OK);
        await (await viewer.GetAsync($"{Integrations}/{id}/configs/{config["id"]}/revisions")).ExpectAsync(HttpStatusCode.OK);
        await (await viewer.GetAsync($"{Base}/api-clients")).ExpectAsync(HttpStatusCode.OK);
        await (await viewer.GetAsync($"{Base}/audit")).ExpectAsync(HttpStatusCode.OK);
    }

    [Fact]
    public async Task A_viewer_mutating_an_integration_is_a_403_problem_and_nothing_changes()
    {
        using var admin = await app.ClientAsync();
        var id = NewId("guarded");
        await admin.CreateIntegrationAsync(SmallIntegration(id, "Original"));
        using var viewer = await app.ClientWithRoleAsync("Viewer");

        await (await viewer.PostAsJsonAsync(Integrations, SmallIntegration(NewId("viewer-made")))).ExpectProblemAsync(HttpStatusCode.Forbidden);
        await (await viewer.PutAsJsonAsync($"{Integrations}/{id}", SmallIntegration(id, "Put by viewer"))).ExpectProblemAsync(HttpStatusCode.Forbidden);
        await (await viewer.PatchAsJsonAsync($"{Integrations}/{id}", new { displayName = "Patched by viewer" })).ExpectProblemAsync(HttpStatusCode.Forbidden);
        await (await viewer.DeleteAsync($"{Integrations}/{id}")).ExpectProblemAsync(HttpStatusCode.Forbidden);

        var kept = await (await admin.GetAsync($"{Integrations}/{id}")).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("Original", kept["displayName"]!.GetValue<string>());
        var list = await (await admin.GetAsync($"{Integrations}?q=viewer-made")).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(0, list["total"]!.GetValue<int>());
    }

    [Fact]
    public async Task A_viewer_mutating_a_config_is_a_403_problem()
    {
        using var admin = await app.ClientAsync();
        var id = NewId("cfg-guarded");
        await admin.CreateIntegrationAsync(Integration(id));
        var config = await admin.CreateConfigAsync(id, new JsonObject { ["displayName"] = "Prod", ["parameters"] = new JsonObject { ["baseUrl"] = "https://crm.example" } });
        var url = $"{Integrations}/{id}/configs/{config["id"]}";
        var revision = (await (await admin.PostAsync($"{url}:publish", null)).ExpectAsync(HttpStatusCode.OK))["publishedRevisionId"]!.GetValue<string>();
        using var viewer = await app.ClientWithRoleAsync("Viewer");

        await (await viewer.PostAsJsonAsync($"{Integrations}/{id}/configs", new { displayName = "V", parameters = new { baseUrl = "https://v.example" } })).ExpectProblemAsync(HttpStatusCode.Forbidden);
        await (await viewer.PatchAsJsonAsync(url, new { displayName = "Viewer" })).ExpectProblemAsync(HttpStatusCode.Forbidden);
        await (await viewer.PostAsync($"{url}:publish", null)).ExpectProblemAsync(HttpStatusCode.Forbidden);
        await (await viewer.PostAsJsonAsync($"{url}:rollback", new { revisionId = revision })).ExpectProblemAsync(HttpStatusCode.Forbidden);
        await (await viewer.DeleteAsync(url)).ExpectProblemAsync(HttpStatusCode.Forbidden);

        var kept = await (await admin.GetAsync(url)).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("Prod", kept["displayName"]!.GetValue<string>());
        var revisions = await (await admin.GetAsync($"{url}/revisions")).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(1, revisions["total"]!.GetValue<int>());
    }

    [Fact]
    public async Task A_token_asking_for_a_tenant_that_does_not_exist_is_a_404_problem()
    {
        using var admin = await app.ClientAsync();
        await (await admin.GetAsync("/v1/tenants/other/integrations")).ExpectProblemAsync(HttpStatusCode.NotFound);
        await (await admin.PostAsJsonAsync("/v1/tenants/other/integrations", SmallIntegration(NewId("x")))).ExpectProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task A_token_asking_for_another_existing_tenant_is_a_404_problem_not_403()
    {
        using var other = await app.OtherTenantClientAsync("tenant-b");
        using var admin = await app.ClientAsync();

        var problem = await (await admin.GetAsync("/v1/tenants/tenant-b/integrations")).ExpectProblemAsync(HttpStatusCode.NotFound);
        var missing = await (await admin.GetAsync("/v1/tenants/no-such-tenant/integrations")).ExpectProblemAsync(HttpStatusCode.NotFound);
        Assert.Equal(missing["title"]!.GetValue<string>(), problem["title"]!.GetValue<string>());

        // and the other way round
        await (await other.GetAsync($"{Integrations}")).ExpectProblemAsync(HttpStatusCode.NotFound);
        await (await other.GetAsync("/v1/tenants/tenant-b/integrations")).ExpectAsync(HttpStatusCode.OK);
    }

    [Fact]
    public async Task A_resource_of_another_tenant_is_a_404_problem_for_every_verb()
    {
        using var other = await app.OtherTenantClientAsync("tenant-c");
        var id = NewId("theirs");
        await other.CreateIntegrationAsync(Integration(id), tenant: "tenant-c");
        var config = await (await other.PostAsJsonAsync($"/v1/tenants/tenant-c/integrations/{id}/configs",
            new { displayName = "Theirs", parameters = new { baseUrl = "https://theirs.example" } })).ExpectAsync(HttpStatusCode.Created);

        using var admin = await app.ClientAsync();
        var theirs = $"/v1/tenants/tenant-c/integrations/{id}";
        await (await admin.GetAsync(theirs)).ExpectProblemAsync(HttpStatusCode.NotFound);
        await (await admin.PutAsJsonAsync(theirs, SmallIntegration(id))).ExpectProblemAsync(HttpStatusCode.NotFound);
        await (await admin.PatchAsJsonAsync(theirs, new { displayName = "mine now" })).ExpectProblemAsync(HttpStatusCode.NotFound);
        await (await admin.DeleteAsync(theirs)).ExpectProblemAsync(HttpStatusCode.NotFound);
        await (await admin.GetAsync($"{theirs}/configs/{config["id"]}")).ExpectProblemAsync(HttpStatusCode.NotFound);
        await (await admin.GetAsync("/v1/tenants/tenant-c/api-clients")).ExpectProblemAsync(HttpStatusCode.NotFound);
        await (await admin.GetAsync("/v1/tenants/tenant-c/audit")).ExpectProblemAsync(HttpStatusCode.NotFound);

        // addressed through the caller's own tenant, it does not exist either
        await (await admin.GetAsync($"{Integrations}/{id}")).ExpectProblemAsync(HttpStatusCode.NotFound);
        await (await admin.GetAsync($"{Integrations}/{id}/configs/{config["id"]}")).ExpectProblemAsync(HttpStatusCode.NotFound);

        var kept = await (await other.GetAsync(theirs)).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("CRM", kept["displayName"]!.GetValue<string>());
    }

    [Fact]
    public async Task The_same_integration_id_can_exist_in_two_tenants_independently()
    {
        using var other = await app.OtherTenantClientAsync("tenant-d");
        using var admin = await app.ClientAsync();
        var id = NewId("shared");

        await admin.CreateIntegrationAsync(SmallIntegration(id, "Ours"));
        await other.CreateIntegrationAsync(SmallIntegration(id, "Theirs"), tenant: "tenant-d");

        var ours = await (await admin.GetAsync($"{Integrations}/{id}")).ExpectAsync(HttpStatusCode.OK);
        var theirs = await (await other.GetAsync($"/v1/tenants/tenant-d/integrations/{id}")).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("Ours", ours["displayName"]!.GetValue<string>());
        Assert.Equal("Theirs", theirs["displayName"]!.GetValue<string>());

        using var deleted = await other.DeleteAsync($"/v1/tenants/tenant-d/integrations/{id}");
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        await (await admin.GetAsync($"{Integrations}/{id}")).ExpectAsync(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Lists_show_only_the_callers_tenant()
    {
        using var other = await app.OtherTenantClientAsync("tenant-e");
        var theirs = NewId("only-theirs");
        await other.CreateIntegrationAsync(SmallIntegration(theirs), tenant: "tenant-e");

        using var admin = await app.ClientAsync();
        var ours = await (await admin.GetAsync($"{Integrations}?q={theirs}")).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(0, ours["total"]!.GetValue<int>());

        var clients = await (await other.GetAsync("/v1/tenants/tenant-e/api-clients")).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(["tenant-e-admin"], clients["items"]!.AsArray().Select(c => c!["clientId"]!.GetValue<string>()));

        var audit = await (await admin.GetAsync($"{Base}/audit?target=integrations/{theirs}")).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(0, audit["total"]!.GetValue<int>());
    }
}
