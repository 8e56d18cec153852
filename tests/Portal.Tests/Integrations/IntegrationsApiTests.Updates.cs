using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Portal.Tests.Infrastructure;
using static Portal.Tests.Infrastructure.ApiTestData;

namespace Portal.Tests.Integrations;

public sealed partial class IntegrationsApiTests
{
    [Fact]
    public async Task The_list_pages_with_skip_and_take_and_reports_the_total()
    {
        using var http = await app.ClientAsync();
        var tag = NewId("page");
        var ids = new[] { $"{tag}-a", $"{tag}-b", $"{tag}-c" };
        foreach (var id in ids.Reverse())
        {
            await http.CreateIntegrationAsync(SmallIntegration(id, tags: [tag]));
        }

        var first = await (await http.GetAsync($"{Integrations}?tag={tag}&take=2")).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(3, first["total"]!.GetValue<int>());
        Assert.Equal(ids[..2], first["items"]!.AsArray().Select(i => i!["id"]!.GetValue<string>()));

        var second = await (await http.GetAsync($"{Integrations}?tag={tag}&skip=2&take=2")).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(3, second["total"]!.GetValue<int>());
        Assert.Equal(ids[2..], second["items"]!.AsArray().Select(i => i!["id"]!.GetValue<string>()));

        var beyond = await (await http.GetAsync($"{Integrations}?tag={tag}&skip=3")).ExpectAsync(HttpStatusCode.OK);
        Assert.Empty(beyond["items"]!.AsArray());
        Assert.Equal(3, beyond["total"]!.GetValue<int>());
    }

    [Fact]
    public async Task The_list_filters_by_tag()
    {
        using var http = await app.ClientAsync();
        var tag = NewId("tagged");
        var inside = NewId("in");
        var outside = NewId("out");
        await http.CreateIntegrationAsync(SmallIntegration(inside, tags: [tag, "other"]));
        await http.CreateIntegrationAsync(SmallIntegration(outside, tags: [$"{tag}x"]));

        var page = await (await http.GetAsync($"{Integrations}?tag={tag}")).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal([inside], page["items"]!.AsArray().Select(i => i!["id"]!.GetValue<string>()));
        Assert.Equal(1, page["total"]!.GetValue<int>());
    }

    [Fact]
    public async Task The_list_filters_by_text_ignoring_case()
    {
        using var http = await app.ClientAsync();
        var word = $"Zebra{Guid.NewGuid():N}"[..16];
        var byName = NewId("byname");
        var byDescription = NewId("bydesc");
        await http.CreateIntegrationAsync(SmallIntegration(byName, $"The {word} helpdesk"));
        await http.CreateIntegrationAsync(SmallIntegration(byDescription, "Plain", description: $"mentions {word.ToLowerInvariant()} here"));
        await http.CreateIntegrationAsync(SmallIntegration(NewId("nomatch"), "Unrelated"));

        var page = await (await http.GetAsync($"{Integrations}?q={word.ToUpperInvariant()}")).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(new[] { byDescription, byName }.Order(StringComparer.Ordinal), page["items"]!.AsArray().Select(i => i!["id"]!.GetValue<string>()).Order(StringComparer.Ordinal));
        Assert.Equal(2, page["total"]!.GetValue<int>());
    }

    [Fact]
    public async Task Get_strips_the_client_secret_and_says_it_is_set()
    {
        using var http = await app.ClientAsync();
        var id = NewId("strip");
        const string secret = "strip-test-client-secret-8d1e";
        var created = await http.CreateIntegrationAsync(Integration(id, secret));
        using var response = await http.GetAsync($"{Integrations}/{id}");
        var text = await response.Content.ReadAsStringAsync();
        var fetched = await response.ExpectAsync(HttpStatusCode.OK);

        foreach (var view in new[] { created, fetched })
        {
            Assert.False(OAuthSettings(view).ContainsKey("clientSecret"), "clientSecret returned in authSettings.parameters");
            Assert.True(OAuthSecretStates(view)["clientSecret"]!["set"]!.GetValue<bool>());
            Assert.Equal("crm-client", OAuthSettings(view)["clientId"]!.GetValue<string>());
        }

        Assert.DoesNotContain(secret, text, StringComparison.Ordinal);
        Assert.DoesNotContain(secret, created.ToJsonString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_integration_created_without_a_client_secret_says_it_is_not_set()
    {
        using var http = await app.ClientAsync();
        var created = await http.CreateIntegrationAsync(Integration(NewId("nosecret"), clientSecret: null));
        Assert.False(OAuthSecretStates(created)["clientSecret"]!["set"]!.GetValue<bool>());
    }

    [Fact]
    public async Task Put_omitting_the_client_secret_keeps_it()
    {
        using var http = await app.ClientAsync();
        var id = NewId("put-keep");
        await http.CreateIntegrationAsync(Integration(id, "put-keep-secret"));

        var replacement = Integration(id, clientSecret: null, displayName: "CRM renamed");
        var updated = await (await http.PutAsJsonAsync($"{Integrations}/{id}", replacement)).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("CRM renamed", updated["displayName"]!.GetValue<string>());
        Assert.True(OAuthSecretStates(updated)["clientSecret"]!["set"]!.GetValue<bool>());

        var fetched = await (await http.GetAsync($"{Integrations}/{id}")).ExpectAsync(HttpStatusCode.OK);
        Assert.True(OAuthSecretStates(fetched)["clientSecret"]!["set"]!.GetValue<bool>());
    }

    [Fact]
    public async Task Put_with_an_explicit_null_client_secret_clears_it()
    {
        using var http = await app.ClientAsync();
        var id = NewId("put-clear");
        await http.CreateIntegrationAsync(Integration(id, "put-clear-secret"));

        var replacement = Integration(id, clientSecret: null);
        OAuthSettings(replacement)["clientSecret"] = null;
        Assert.Contains("\"clientSecret\":null", replacement.ToJsonString(), StringComparison.Ordinal);
        var updated = await (await http.PutAsJsonAsync($"{Integrations}/{id}", replacement)).ExpectAsync(HttpStatusCode.OK);
        Assert.False(OAuthSecretStates(updated)["clientSecret"]!["set"]!.GetValue<bool>());

        var fetched = await (await http.GetAsync($"{Integrations}/{id}")).ExpectAsync(HttpStatusCode.OK);
        Assert.False(OAuthSecretStates(fetched)["clientSecret"]!["set"]!.GetValue<bool>());
    }

    [Fact]
    public async Task Put_replaces_fields_that_are_left_out()
    {
        using var http = await app.ClientAsync();
        var id = NewId("put-replace");
        await http.CreateIntegrationAsync(Integration(id));

        var updated = await (await http.PutAsJsonAsync($"{Integrations}/{id}", SmallIntegration(id, "Bare"))).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("Bare", updated["displayName"]!.GetValue<string>());
        Assert.Empty(updated["tags"]!.AsArray());
        Assert.Empty(updated["configMetadata"]!["parametersMetadata"]!.AsArray());
        Assert.False(updated["isInternal"]!.GetValue<bool>());
    }

    [Fact]
    public async Task Put_cannot_change_the_id()
    {
        using var http = await app.ClientAsync();
        var id = NewId("put-id");
        await http.CreateIntegrationAsync(SmallIntegration(id));
        await (await http.PutAsJsonAsync($"{Integrations}/{id}", SmallIntegration(NewId("other")))).ExpectValidationAsync("id");
    }

    [Fact]
    public async Task Put_with_an_invalid_body_is_a_400_problem_and_changes_nothing()
    {
        using var http = await app.ClientAsync();
        var id = NewId("put-bad");
        await http.CreateIntegrationAsync(SmallIntegration(id, "Before"));
        await (await http.PutAsJsonAsync($"{Integrations}/{id}", SmallIntegration(id, new string('x', 101)))).ExpectValidationAsync("displayName");
        var fetched = await (await http.GetAsync($"{Integrations}/{id}")).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("Before", fetched["displayName"]!.GetValue<string>());
    }

    [Fact]
    public async Task Patch_changes_only_the_given_fields()
    {
        using var http = await app.ClientAsync();
        var id = NewId("patch");
        var created = await http.CreateIntegrationAsync(Integration(id, "patch-secret"));
        await Task.Delay(5);

        var patched = await (await http.PatchAsJsonAsync($"{Integrations}/{id}", new { description = "Now with a new description" })).ExpectAsync(HttpStatusCode.OK);

        Assert.Equal("Now with a new description", patched["description"]!.GetValue<string>());
        foreach (var field in new[] { "id", "displayName", "type", "configMetadata", "tags", "isInternal", "webhookOwnership", "createdAt" })
        {
            Assert.True(JsonNode.DeepEquals(created[field], patched[field]), $"PATCH changed {field}: {created[field]?.ToJsonString()} → {patched[field]?.ToJsonString()}");
        }

        Assert.True(patched["modifiedAt"]!.GetValue<long>() > created["modifiedAt"]!.GetValue<long>(), "modifiedAt did not move");
        Assert.True(OAuthSecretStates(patched)["clientSecret"]!["set"]!.GetValue<bool>());

        var fetched = await (await http.GetAsync($"{Integrations}/{id}")).ExpectAsync(HttpStatusCode.OK);
        Assert.True(JsonNode.DeepEquals(patched, fetched), $"GET after PATCH differs:\n{patched}\n{fetched}");
    }

    [Fact]
    public async Task Patch_of_tags_leaves_the_description_alone()
    {
        using var http = await app.ClientAsync();
        var id = NewId("patch-tags");
        await http.CreateIntegrationAsync(SmallIntegration(id, "Tagged", ["one"], "Kept"));
        var patched = await (await http.PatchAsJsonAsync($"{Integrations}/{id}", new { tags = new[] { "two", "three" } })).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(["two", "three"], patched["tags"]!.AsArray().Select(t => t!.GetValue<string>()));
        Assert.Equal("Kept", patched["description"]!.GetValue<string>());
        Assert.Equal("Tagged", patched["displayName"]!.GetValue<string>());
    }

    [Fact]
    public async Task Delete_is_a_204_and_then_get_is_a_404_problem()
    {
        using var http = await app.ClientAsync();
        var id = NewId("delete");
        await http.CreateIntegrationAsync(SmallIntegration(id));

        using var deleted = await http.DeleteAsync($"{Integrations}/{id}");
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);

        await (await http.GetAsync($"{Integrations}/{id}")).ExpectProblemAsync(HttpStatusCode.NotFound);
        await (await http.DeleteAsync($"{Integrations}/{id}")).ExpectProblemAsync(HttpStatusCode.NotFound);
        var page = await (await http.GetAsync($"{Integrations}?q={id}")).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(0, page["total"]!.GetValue<int>());
    }

    [Fact]
    public async Task An_unknown_integration_is_a_404_problem_for_every_verb()
    {
        using var http = await app.ClientAsync();
        var url = $"{Integrations}/{NewId("missing")}";
        await (await http.GetAsync(url)).ExpectProblemAsync(HttpStatusCode.NotFound);
        await (await http.PutAsJsonAsync(url, SmallIntegration("x"))).ExpectProblemAsync(HttpStatusCode.NotFound);
        await (await http.PatchAsJsonAsync(url, new { description = "x" })).ExpectProblemAsync(HttpStatusCode.NotFound);
        await (await http.DeleteAsync(url)).ExpectProblemAsync(HttpStatusCode.NotFound);
    }
}
