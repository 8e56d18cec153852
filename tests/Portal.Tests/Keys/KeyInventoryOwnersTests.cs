using Microsoft.Extensions.DependencyInjection;
using Portal.Core.KeyLifecycle;
using Portal.Core.Keys;
using Portal.Core.SigningSecrets;
using Portal.Core.Tenancy;
using Portal.Tests.Infrastructure;
using Portal.Tests.SigningSecrets;

namespace Portal.Tests.Keys;

/// <summary>An owner's page reads its keys as the inventory sees them: the key in force and those in grace, not revoked ones, not other owners'.</summary>
public sealed class KeyInventoryOwnersTests(PortalApplication app) : IClassFixture<PortalApplication>
{
    private static Actor Admin => new(PortalApplication.AdminEmail, ActorKind.User, PortalApplication.Tenant, TenantRole.Admin, null);

    private SigningSecretService Secrets => app.Services.GetRequiredService<SigningSecretService>();

    private KeyInventoryService Inventory => app.Services.GetRequiredService<KeyInventoryService>();

    [Fact]
    public async Task An_owner_shows_its_key_in_force_and_the_one_in_grace_but_not_the_revoked_one()
    {
        var name = SigningSecretTestData.NewName("own");
        var first = (await Secrets.CreateAsync(Admin, new SigningSecretInput { Name = name })).Value!.Token;
        var second = (await Secrets.RotateAsync(Admin, name, 0)).Value!.Token;
        var third = (await Secrets.RotateAsync(Admin, name, 3600)).Value!.Token;

        var keys = await Inventory.ForOwnerAsync(Admin, KeyOwner.ForSigningSecret(name));

        Assert.Equal(2, keys.Count);
        var current = Assert.Single(keys, k => k.Active);
        Assert.Equal(third[..14], current.KeyPrefix);
        Assert.Equal(KeyStatuses.Active, current.Status);
        var grace = Assert.Single(keys, k => !k.Active);
        Assert.Equal(second[..14], grace.KeyPrefix);
        Assert.Equal(KeyStatuses.Grace, grace.Status);
        Assert.Equal(0, grace.UsesSinceRotation);
        Assert.DoesNotContain(keys, k => k.KeyPrefix == first[..14]);
    }

    [Fact]
    public async Task Several_owners_are_read_at_once_and_each_gets_only_its_own_keys()
    {
        var a = SigningSecretTestData.NewName("own-a");
        var b = SigningSecretTestData.NewName("own-b");
        var tokenA = (await Secrets.CreateAsync(Admin, new SigningSecretInput { Name = a })).Value!.Token;
        var tokenB = (await Secrets.CreateAsync(Admin, new SigningSecretInput { Name = b })).Value!.Token;
        var none = SigningSecretTestData.NewName("own-none");

        var keys = await Inventory.ForOwnersAsync(Admin, [KeyOwner.ForSigningSecret(a), KeyOwner.ForSigningSecret(b), KeyOwner.ForSigningSecret(none)]);

        Assert.Equal(tokenA[..14], Assert.Single(keys[KeyOwner.ForSigningSecret(a).Stored]).KeyPrefix);
        Assert.Equal(tokenB[..14], Assert.Single(keys[KeyOwner.ForSigningSecret(b).Stored]).KeyPrefix);
        Assert.False(keys.ContainsKey(KeyOwner.ForSigningSecret(none).Stored));
    }
}
