using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Portal.Tests.Infrastructure;
using static Portal.Tests.Infrastructure.ApiTestData;

namespace Portal.Tests.Integrations;

/// <summary>Seed 001: integrations of a tenant.</summary>
public sealed class IntegrationsApiTests(PortalApplication app) : IClassFixture<PortalApplication>
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

    [Fact]
    public async Task The_full_config_metadata_shape_round_trips()
    {
        using var http = await app.ClientAsync();
        var id = NewId("shape");
        var body = Integration(id, clientSecret: null);
        body["type"] = "SYSTEM";

        var created = await http.CreateIntegrationAsync(body);
        var fetched = await (await http.GetAsync($"{Integrations}/{id}")).ExpectAsync(HttpStatusCode.OK);

        foreach (var response in new[] { created, fetched })
        {
            Assert.Equal("SYSTEM", response["type"]!.GetValue<string>());
            Assert.True(response["isInternal"]!.GetValue<bool>());
            Assert.Equal(["crm", "sales"], response["tags"]!.AsArray().Select(t => t!.GetValue<string>()));

            // secretParameters is the response-only addition; the rest must be exactly what was sent.
            var metadata = response["configMetadata"]!.DeepClone();
            foreach (var auth in metadata["authMetadata"]!.AsArray())
            {
                auth!["authSettings"]!.AsObject().Remove("secretParameters");
            }

            Assert.True(JsonNode.DeepEquals(body["configMetadata"], metadata), $"configMetadata did not round-trip.\nsent:     {body["configMetadata"]!.ToJsonString()}\nreturned: {metadata.ToJsonString()}");
        }

        // spot checks of the seed's spelling, so a silent rename on both sides would still be caught
        var port = fetched["configMetadata"]!["parametersMetadata"]![1]!;
        Assert.Equal("Integer", port["type"]!.GetValue<string>());
        Assert.Equal(1, port["integerRange"]!["min"]!.GetValue<double>());
        Assert.Equal(65535, port["integerRange"]!["max"]!.GetValue<double>());
        var oauth = fetched["configMetadata"]!["authMetadata"]![0]!;
        Assert.Equal("OAUTH2", oauth["type"]!.GetValue<string>());
        Assert.Equal("HIGH", oauth["sensitivity"]!.GetValue<string>());
        Assert.Equal(["APPLICATION", "USER"], oauth["supportedLevels"]!.AsArray().Select(l => l!.GetValue<string>()));
        Assert.Equal("API_KEY", fetched["configMetadata"]!["authMetadata"]![1]!["type"]!.GetValue<string>());
        Assert.True(fetched["configMetadata"]!["authMetadata"]![1]!["authMap"]!["useMap"]!.GetValue<bool>());
    }

    [Fact]
    public async Task Options_given_as_plain_strings_are_accepted_and_returned_as_values()
    {
        using var http = await app.ClientAsync();
        var body = SmallIntegration(NewId("opts"));
        body["configMetadata"] = JsonNode.Parse("""{ "parametersMetadata": [ { "name": "region", "type": "String", "options": [ "eu", "us" ] } ] }""");
        var created = await http.CreateIntegrationAsync(body);
        var options = created["configMetadata"]!["parametersMetadata"]![0]!["options"]!.AsArray();
        Assert.Equal(["eu", "us"], options.Select(o => o!["value"]!.GetValue<string>()));
    }

    [Fact]
    public async Task An_oauth2_method_without_a_token_url_is_a_400_problem()
    {
        using var http = await app.ClientAsync();
        var body = Integration(NewId("no-token-url"));
        OAuthSettings(body).Remove("tokenUrl");
        await (await http.PostAsJsonAsync(Integrations, body)).ExpectValidationAsync("configMetadata.authMetadata[0].authSettings.parameters.tokenUrl");
    }

    [Fact]
    public async Task An_invalid_regex_rule_is_a_400_problem()
    {
        using var http = await app.ClientAsync();
        var body = Integration(NewId("bad-regex"));
        body["configMetadata"]!["parametersMetadata"]![0]!["rules"] = JsonNode.Parse("""[ { "type": "regex", "value": "([unclosed" } ]""");
        await (await http.PostAsJsonAsync(Integrations, body)).ExpectValidationAsync("configMetadata.parametersMetadata[0].rules");
    }

    [Fact]
    public async Task An_unknown_rule_type_is_a_400_problem()
    {
        using var http = await app.ClientAsync();
        var body = Integration(NewId("odd-rule"));
        body["configMetadata"]!["parametersMetadata"]![0]!["rules"] = JsonNode.Parse("""[ { "type": "palindrome" } ]""");
        await (await http.PostAsJsonAsync(Integrations, body)).ExpectValidationAsync("configMetadata.parametersMetadata[0].rules");
    }

    [Theory]
    [InlineData("\"just a string\"")]
    [InlineData("[1, 2]")]
    [InlineData("{ \"properties\": 5 }")]
    [InlineData("{ \"required\": \"field\" }")]
    [InlineData("{ \"type\": \"not-a-type\" }")]
    [InlineData("{ \"type\": [ \"object\", 7 ] }")]
    [InlineData("{ \"type\": \"string\", \"pattern\": \"([unclosed\" }")]
    [InlineData("{ \"type\": \"object\", \"properties\": { \"a\": { \"type\": \"strin\" } } }")]
    [InlineData("{ \"type\": \"array\", \"items\": { \"type\": \"string\", \"pattern\": \"*oops\" } }")]
    public async Task An_invalid_json_schema_is_a_400_problem(string schema)
    {
        using var http = await app.ClientAsync();
        var body = Integration(NewId("bad-schema"));
        body["configMetadata"]!["parametersMetadata"]![5]!["jsonSchema"] = JsonNode.Parse(schema);
        await (await http.PostAsJsonAsync(Integrations, body)).ExpectValidationAsync("configMetadata.parametersMetadata[5].jsonSchema");
    }

    [Fact]
    public async Task A_json_schema_whose_properties_are_named_like_keywords_is_accepted()
    {
        using var http = await app.ClientAsync();
        var body = Integration(NewId("keyword-props"));
        var schema = JsonNode.Parse("""
            { "type": "object",
              "properties": { "type": { "type": "string" }, "pattern": { "type": "string", "pattern": "^[a-z]+$" } },
              "enum": [ { "type": "bogus", "pattern": "([" } ] }
            """);
        body["configMetadata"]!["parametersMetadata"]![5]!["jsonSchema"] = schema;
        var created = await http.CreateIntegrationAsync(body);
        Assert.True(JsonNode.DeepEquals(schema, created["configMetadata"]!["parametersMetadata"]![5]!["jsonSchema"]));
    }

    [Fact]
    public async Task Duplicate_parameter_names_are_a_400_problem()
    {
        using var http = await app.ClientAsync();
        var body = Integration(NewId("dup-param"));
        body["configMetadata"]!["parametersMetadata"]![1]!["name"] = "baseUrl";
        await (await http.PostAsJsonAsync(Integrations, body)).ExpectValidationAsync("configMetadata.parametersMetadata[1].name");
    }

    [Fact]
    public async Task A_secret_parameter_with_a_default_value_is_a_400_problem()
    {
        using var http = await app.ClientAsync();
        var body = Integration(NewId("secret-default"));
        body["configMetadata"]!["parametersMetadata"]![4]!["defaultValue"] = "hunter2";
        await (await http.PostAsJsonAsync(Integrations, body)).ExpectValidationAsync("configMetadata.parametersMetadata[4].defaultValue");
    }

    [Fact]
    public async Task A_default_value_outside_its_range_is_a_400_problem()
    {
        using var http = await app.ClientAsync();
        var body = Integration(NewId("bad-default"));
        body["configMetadata"]!["parametersMetadata"]![1]!["defaultValue"] = "70000";
        await (await http.PostAsJsonAsync(Integrations, body)).ExpectValidationAsync("configMetadata.parametersMetadata[1].defaultValue");
    }

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
