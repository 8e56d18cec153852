using Portal.Core.Keys;

namespace Portal.Tests.Keys;

public sealed class KeyOwnerTests
{
    private static readonly Guid Id = Guid.Parse("0196f0a2-1c2d-7e3f-8a9b-0c1d2e3f4a5b");

    public static TheoryData<string, KeyOwnerKind, string> StoredOwners => new()
    {
        // The stored strings of every kind, unchanged since before KeyOwner: no migration, old rows still resolve.
        { "config:0196f0a2-1c2d-7e3f-8a9b-0c1d2e3f4a5b", KeyOwnerKind.Config, Id.ToString() },
        { "binding:0196f0a2-1c2d-7e3f-8a9b-0c1d2e3f4a5b", KeyOwnerKind.Binding, Id.ToString() },
        { "signing:billing-events", KeyOwnerKind.SigningSecret, "billing-events" },
        { "mcp:crm", KeyOwnerKind.Mcp, "crm" },
        { "integration:crm:eu", KeyOwnerKind.Integration, "crm:eu" },
    };

    [Theory]
    [MemberData(nameof(StoredOwners))]
    public void A_stored_owner_reads_back_to_its_kind_and_id_and_writes_the_same_string(string stored, KeyOwnerKind kind, string id)
    {
        Assert.True(KeyOwner.TryParse(stored, out var owner));
        Assert.Equal(new KeyOwner(kind, id), owner);
        Assert.Equal(stored, owner.Value.Stored);
    }

    [Fact]
    public void The_factories_write_the_stored_forms()
    {
        Assert.Equal($"config:{Id}", KeyOwner.ForConfig(Id).Stored);
        Assert.Equal($"binding:{Id}", KeyOwner.ForBinding(Id).Stored);
        Assert.Equal("signing:s1", KeyOwner.ForSigningSecret("s1").Stored);
        Assert.Equal("mcp:crm", KeyOwner.ForMcp("crm").Stored);
        Assert.Equal("integration:crm", KeyOwner.ForIntegration("crm").Stored);
        Assert.Equal(Id, KeyOwner.ForBinding(Id).GuidId);
        Assert.Null(KeyOwner.ForMcp("crm").GuidId);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("config:")]
    [InlineData("config:not-a-guid")]
    [InlineData("binding:42")]
    [InlineData("tenant:default")]
    [InlineData("CONFIG:0196f0a2-1c2d-7e3f-8a9b-0c1d2e3f4a5b")]
    public void Anything_the_portal_does_not_write_is_no_owner(string? stored)
    {
        Assert.False(KeyOwner.TryParse(stored, out var owner));
        Assert.Null(owner);
    }
}
