using System.Net;
using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core.Data;
using Portal.Core.Keys;
using Portal.Core.Mcp;
using Portal.Core.SigningSecrets;
using Portal.Tests.Infrastructure;
using Portal.Tests.Mcp;
using Portal.Tests.SigningSecrets;
using Portal.Tests.Webhooks;
using static Portal.Tests.Webhooks.WebhookApi;

namespace Portal.Tests.Keys;

/// <summary>
/// One operation, one transaction: the key an operation mints commits with the operation's own rows and audit rows, or
/// not at all. Each test fails the store under the second half of an operation (the commit of the transaction that
/// wrote the settings, the secret or the binding) and finds nothing of the first half.
/// </summary>
public sealed class OneOperationOneTransactionTests(WebhookPortal portal) : IClassFixture<WebhookPortal>
{
    [Fact]
    public async Task A_first_enable_that_fails_to_save_the_settings_leaves_no_key_and_the_next_enable_mints_one()
    {
        using var admin = await portal.AdminAsync();
        var (id, config) = await McpTestData.CreateAsync(admin);

        var failed = await InjectFaultAsync("McpSettings", () => admin.PatchAsJsonAsync(McpTestData.Mcp(id), new { enabled = true, configId = config }));

        Assert.Equal(HttpStatusCode.InternalServerError, failed.StatusCode);
        Assert.DoesNotContain("mcp_", await failed.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        await using (var db = await DbAsync())
        {
            var owner = KeyOwner.ForMcp(id).Stored;
            Assert.False(await db.IssuedKeys.AnyAsync(k => k.OwnerId == owner), "a key was minted for settings that were never saved");
            Assert.False(await db.KeyBindings.AnyAsync(b => b.OwnerId == owner));
            Assert.False(await db.McpSettings.AnyAsync(s => s.IntegrationId == id));
            var target = McpSettingsService.AuditTarget(id);
            Assert.False(await db.AuditEvents.AnyAsync(e => e.Target == target), "the audit trail records an operation that did not happen");
        }

        // Before, the orphan key made every later enable skip the mint: the caller never saw a key.
        var enabled = await admin.PatchAsync(id, new { enabled = true, configId = config });
        Assert.StartsWith("mcp_", enabled["apiKey"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.True((await portal.Services.GetRequiredService<KeyEngine>().CheckAsync(KeyKind.McpKey, PortalApplication.Tenant, enabled["apiKey"]!.GetValue<string>(), KeyOwner.ForMcp(id), null)).IsValid);
    }

    [Fact]
    public async Task A_signing_secret_create_that_fails_to_save_the_name_leaves_no_token_and_the_name_stays_free()
    {
        using var admin = await portal.AdminAsync();
        var name = SigningSecretTestData.NewName("atomic");

        var failed = await InjectFaultAsync("SigningSecrets", () => admin.PostAsJsonAsync(SigningSecretTestData.Secrets, new { name }));

        Assert.Equal(HttpStatusCode.InternalServerError, failed.StatusCode);
        Assert.DoesNotContain("whsec_", await failed.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        await using (var db = await DbAsync())
        {
            var owner = KeyOwner.ForSigningSecret(name).Stored;
            Assert.False(await db.IssuedKeys.AnyAsync(k => k.OwnerId == owner), "a token was minted for a name that was never saved");
            Assert.False(await db.KeyBindings.AnyAsync(b => b.OwnerId == owner));
            Assert.False(await db.SigningSecrets.AnyAsync(s => s.Name == name));
        }

        Assert.Empty(await UsableTokensAsync(name));
        var token = await admin.CreateSigningSecretAsync(name);
        Assert.Equal([token], await UsableTokensAsync(name));
    }

    [Fact]
    public async Task A_signing_secret_rotation_that_fails_to_record_the_rotation_keeps_the_previous_token_alone()
    {
        using var admin = await portal.AdminAsync();
        var name = SigningSecretTestData.NewName("atomic");
        var token = await admin.CreateSigningSecretAsync(name);

        var failed = await InjectFaultAsync("SigningSecrets", () => admin.PostAsJsonAsync($"{SigningSecretTestData.Secrets}/{name}:rotate", new { }));

        Assert.Equal(HttpStatusCode.InternalServerError, failed.StatusCode);
        Assert.Equal([token], await UsableTokensAsync(name));
        await using var db = await DbAsync();
        var owner = KeyOwner.ForSigningSecret(name).Stored;
        Assert.Equal(1, await db.IssuedKeys.CountAsync(k => k.OwnerId == owner));
        Assert.Null((await db.SigningSecrets.SingleAsync(s => s.Name == name)).RotatedAt);
    }

    [Fact]
    public async Task A_webhook_rotation_that_fails_to_rebind_keeps_the_previous_url_working_and_mints_nothing()
    {
        using var admin = await portal.AdminAsync();
        var (integration, config) = await admin.NewConfigAsync();
        var url = await admin.GeneratedUrlAsync(integration, config);

        var failed = await InjectFaultAsync("KeyBindings", () => admin.RotateAsync(integration, config));

        Assert.Equal(HttpStatusCode.InternalServerError, failed.StatusCode);
        var keys = await (await admin.GetAsync($"{ConfigPath(integration, config)}/webhook/keys")).ExpectAsync(HttpStatusCode.OK);
        var only = Assert.Single(keys["items"]!.AsArray())!;
        Assert.True(only["active"]!.GetValue<bool>());
        Assert.Null(only["revokedAt"]?.GetValue<long>());
        Assert.StartsWith(only["keyPrefix"]!.GetValue<string>(), KeyOf(url), StringComparison.Ordinal);
        await (await portal.DeliverAsync(url)).ExpectAsync(HttpStatusCode.Accepted);
        await using var db = await DbAsync();
        var target = $"integrations/{integration}/configs/{config}/webhook";
        Assert.Equal(["key.mint"], await db.AuditEvents.Where(e => e.Target == target).Select(e => e.Action).ToListAsync());
    }

    /// <summary>Sends a request with the store armed to fail under <paramref name="table"/>, and asserts the fault fired.</summary>
    private async Task<HttpResponseMessage> InjectFaultAsync(string table, Func<Task<HttpResponseMessage>> send)
    {
        var fired = portal.Faults.Fired;
        portal.Faults.Arm(table);
        try
        {
            var response = await send();
            Assert.Equal(fired + 1, portal.Faults.Fired);
            return response;
        }
        finally
        {
            portal.Faults.Disarm();
        }
    }

    private Task<PortalDbContext> DbAsync() => portal.Services.GetRequiredService<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync();

    private Task<IReadOnlyList<string>> UsableTokensAsync(string name) =>
        portal.Services.GetRequiredService<KeyEngine>().RevealUsableAsync(PortalApplication.Tenant, KeyOwner.ForSigningSecret(name));
}
