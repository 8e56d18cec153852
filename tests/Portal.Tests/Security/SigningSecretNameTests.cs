using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Portal.Tests.Infrastructure;
using Portal.Tests.SigningSecrets;
using static Portal.Tests.Infrastructure.ApiTestData;

namespace Portal.Tests.Security;

/// <summary>A config may only name a signing secret its tenant has: refused at write, not found out when a webhook arrives.</summary>
public sealed class SigningSecretNameTests(PortalApplication app) : IClassFixture<PortalApplication>
{
    [Fact]
    public async Task Naming_a_signing_secret_that_does_not_exist_is_refused_on_create_and_patch()
    {
        using var admin = await app.ClientAsync();
        var id = NewId("sig");
        await admin.CreateIntegrationAsync(SmallIntegration(id));
        var configs = $"{Base}/integrations/{id}/configs";

        var created = await admin.PostAsJsonAsync(configs, new { displayName = "c", signingSecretName = "never-created" });
        var message = (await created.ExpectValidationAsync("signingSecretName")).Errors()["signingSecretName"]![0]!.GetValue<string>();
        Assert.Contains("never-created", message, StringComparison.Ordinal);
        Assert.Equal(0, (await (await admin.GetAsync(configs)).ExpectAsync(HttpStatusCode.OK))["total"]!.GetValue<int>());

        var config = await admin.CreateConfigAsync(id, new JsonObject { ["displayName"] = "c" });
        var patched = await admin.PatchAsJsonAsync($"{configs}/{config["id"]}", new { signingSecretName = "never-created" });
        await patched.ExpectValidationAsync("signingSecretName");
        var unchanged = await (await admin.GetAsync($"{configs}/{config["id"]}")).ExpectAsync(HttpStatusCode.OK);
        Assert.Null(unchanged["signingSecretName"]);
    }

    [Fact]
    public async Task A_signing_secret_of_the_tenant_can_be_named_and_another_tenants_cannot()
    {
        using var admin = await app.ClientAsync();
        var id = NewId("sigok");
        await admin.CreateIntegrationAsync(SmallIntegration(id));
        var name = SigningSecretTestData.NewName("live");
        await admin.CreateSigningSecretAsync(name);

        var config = await admin.CreateConfigAsync(id, new JsonObject { ["displayName"] = "c", ["signingSecretName"] = name });
        Assert.Equal(name, config["signingSecretName"]!.GetValue<string>());

        // The same name in another tenant does not count.
        const string tenant = "sigsecret-other";
        using var other = await app.OtherTenantClientAsync(tenant);
        var otherId = NewId("sigother");
        await other.CreateIntegrationAsync(SmallIntegration(otherId), tenant);
        var refused = await other.PostAsJsonAsync($"/v1/tenants/{tenant}/integrations/{otherId}/configs", new { displayName = "c", signingSecretName = name });
        await refused.ExpectValidationAsync("signingSecretName");
    }
}
