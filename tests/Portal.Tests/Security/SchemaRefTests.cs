using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core.Data;
using Portal.Tests.Infrastructure;
using static Portal.Tests.Infrastructure.ApiTestData;

namespace Portal.Tests.Security;

/// <summary>
/// A jsonSchema is resolved offline: a remote <c>$ref</c> would make the schema library fetch any URL (past the
/// outbound guard) when an integration is saved or a config is checked. It is a 400 naming the field, and no
/// connection is ever made.
/// </summary>
public sealed class SchemaRefTests(PortalApplication app) : IClassFixture<PortalApplication>
{
    private const string Field = "configMetadata.parametersMetadata[0].jsonSchema";

    private static JsonObject WithSchema(string id, JsonNode schema) => new()
    {
        ["id"] = id,
        ["displayName"] = "Schema test",
        ["configMetadata"] = new JsonObject
        {
            ["parametersMetadata"] = new JsonArray(new JsonObject { ["name"] = "filter", ["type"] = "Json", ["jsonSchema"] = schema }),
        },
    };

    public static TheoryData<string> RemoteRefs => new()
    {
        """{"$ref": "URL"}""",
        """{"type": "object", "properties": {"a": {"$ref": "URL#/definitions/x"}}}""",
        """{"allOf": [{"$ref": "other.json"}]}""",
        """{"items": {"$ref": "file:///etc/passwd"}}""",
        """{"definitions": {"a": {"$ref": "//127.0.0.1/x"}}, "$ref": "#/definitions/a"}""",
    };

    [Theory]
    [MemberData(nameof(RemoteRefs))]
    public async Task A_remote_ref_is_refused_on_create_put_and_patch_and_never_fetched(string template)
    {
        await using var host = new LoopbackSchemaHost();
        var schema = JsonNode.Parse(template.Replace("URL", host.Url(), StringComparison.Ordinal))!;
        using var admin = await app.ClientAsync();
        var id = NewId("ref");

        var created = await admin.PostAsJsonAsync($"{Base}/integrations", WithSchema(id, schema));
        Assert.True(host.Connections == 0, $"the schema host was contacted {host.Connections} time(s)");
        var problem = await created.ExpectValidationAsync(Field);
        Assert.Contains("$ref", problem.Errors()[Field]![0]!.GetValue<string>(), StringComparison.Ordinal);

        await admin.CreateIntegrationAsync(SmallIntegration(id));
        await (await admin.PutAsJsonAsync($"{Base}/integrations/{id}", WithSchema(id, schema.DeepClone()))).ExpectValidationAsync(Field);
        await (await admin.PatchAsJsonAsync($"{Base}/integrations/{id}", WithSchema(id, schema.DeepClone()))).ExpectValidationAsync(Field);

        Assert.Equal(0, host.Connections);
    }

    [Fact]
    public async Task Local_refs_still_work()
    {
        using var admin = await app.ClientAsync();
        var id = NewId("local");
        var schema = JsonNode.Parse("""
            {"definitions": {"field": {"type": "string", "minLength": 2}}, "$defs": {"n": {"type": "integer"}},
             "type": "object", "required": ["field"],
             "properties": {"field": {"$ref": "#/definitions/field"}, "n": {"$ref": "#/$defs/n"}}}
            """)!;
        await admin.CreateIntegrationAsync(WithSchema(id, schema));

        await admin.CreateConfigAsync(id, new JsonObject { ["displayName"] = "ok", ["parameters"] = new JsonObject { ["filter"] = new JsonObject { ["field"] = "ab", ["n"] = 3 } } });
        var refused = await admin.PostAsJsonAsync($"{Base}/integrations/{id}/configs", new JsonObject { ["displayName"] = "short", ["parameters"] = new JsonObject { ["filter"] = new JsonObject { ["field"] = "a" } } });
        await refused.ExpectValidationAsync("parameters.filter");
    }

    [Fact]
    public async Task A_config_checked_against_a_stored_schema_with_a_remote_ref_is_a_400_and_nothing_is_fetched()
    {
        // An integration saved before remote refs were refused: the schema is in the store already.
        await using var host = new LoopbackSchemaHost();
        using var admin = await app.ClientAsync();
        var id = NewId("stored");
        await admin.CreateIntegrationAsync(WithSchema(id, JsonNode.Parse("""{"definitions": {"s": {"type": "string"}}, "$ref": "#/definitions/s"}""")!));
        await using (var db = await app.Services.GetRequiredService<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync())
        {
            var row = await db.Integrations.SingleAsync(i => i.Id == id);
            row.MetadataJson = row.MetadataJson.Replace("#/definitions/s", host.Url(), StringComparison.Ordinal);
            Assert.Contains(host.Url(), row.MetadataJson, StringComparison.Ordinal);
            await db.SaveChangesAsync();
        }

        var created = await admin.PostAsJsonAsync($"{Base}/integrations/{id}/configs", new JsonObject { ["displayName"] = "c", ["parameters"] = new JsonObject { ["filter"] = "x" } });
        Assert.True(host.Connections == 0, $"the schema host was contacted {host.Connections} time(s)");
        var problem = await created.ExpectValidationAsync("parameters.filter");
        Assert.Contains("$ref", problem.Errors()["parameters.filter"]![0]!.GetValue<string>(), StringComparison.Ordinal);

        var plain = await admin.CreateConfigAsync(id, new JsonObject { ["displayName"] = "no filter" });
        var patched = await admin.PatchAsJsonAsync($"{Base}/integrations/{id}/configs/{plain["id"]}", new JsonObject { ["parameters"] = new JsonObject { ["filter"] = "y" } });
        await patched.ExpectValidationAsync("parameters.filter");

        Assert.Equal(0, host.Connections);
    }
}
