using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Portal.Tests.Infrastructure;
using static Portal.Tests.Infrastructure.ApiTestData;

namespace Portal.Tests.Configs;

public sealed partial class ConfigsApiTests
{
    [Fact]
    public async Task A_new_config_is_a_draft_with_no_published_revision()
    {
        using var http = await app.ClientAsync();
        var crm = await CrmAsync(http);
        var config = await http.CreateConfigAsync(crm, ValidConfig());
        var url = $"{Configs(crm)}/{config["id"]}";

        var fetched = await (await http.GetAsync(url)).ExpectAsync(HttpStatusCode.OK);
        Assert.True(fetched.ContainsKey("publishedRevisionId"), "publishedRevisionId missing from the draft");
        Assert.Null(fetched["publishedRevisionId"]);
        var revisions = await (await http.GetAsync($"{url}/revisions")).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(0, revisions["total"]!.GetValue<int>());
        Assert.Empty(revisions["items"]!.AsArray());
    }

    [Fact]
    public async Task Publishing_snapshots_the_draft_as_an_immutable_revision()
    {
        using var http = await app.ClientAsync();
        var crm = await CrmAsync(http);
        var config = await http.CreateConfigAsync(crm, WithParameter("port", 8443));
        var url = $"{Configs(crm)}/{config["id"]}";

        var published = await (await http.PostAsync($"{url}:publish", null)).ExpectAsync(HttpStatusCode.OK);
        var revisionId = published["publishedRevisionId"]!.GetValue<string>();
        Assert.True(Guid.TryParse(revisionId, out _));

        var draft = await (await http.GetAsync(url)).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(revisionId, draft["publishedRevisionId"]!.GetValue<string>());

        var revisions = await (await http.GetAsync($"{url}/revisions")).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(1, revisions["total"]!.GetValue<int>());
        var listed = revisions["items"]![0]!;
        Assert.Equal(revisionId, listed["id"]!.GetValue<string>());
        Assert.True(listed["published"]!.GetValue<bool>());

        var revision = await (await http.GetAsync($"{url}/revisions/{revisionId}")).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(revisionId, revision["id"]!.GetValue<string>());
        Assert.Equal(config["id"]!.GetValue<string>(), revision["configId"]!.GetValue<string>());
        Assert.True(revision["published"]!.GetValue<bool>());
        Assert.Equal("Prod", revision["displayName"]!.GetValue<string>());
        Assert.Equal(8443, revision["parameters"]!["port"]!.GetValue<int>());
        Assert.Equal("client:test-admin", revision["createdBy"]!.GetValue<string>());

        // the draft moves on; the revision does not
        var changed = await (await http.PatchAsJsonAsync(url, new JsonObject { ["displayName"] = "Prod v2", ["parameters"] = new JsonObject { ["port"] = 9443 } })).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(9443, changed["parameters"]!["port"]!.GetValue<int>());
        Assert.Equal(revisionId, changed["publishedRevisionId"]!.GetValue<string>());

        var again = await (await http.GetAsync($"{url}/revisions/{revisionId}")).ExpectAsync(HttpStatusCode.OK);
        Assert.True(JsonNode.DeepEquals(revision, again), $"the revision changed after a PATCH of the draft:\n{revision}\n{again}");
    }

    [Fact]
    public async Task Rollback_publishes_an_earlier_revision_and_resets_the_draft_to_it()
    {
        using var http = await app.ClientAsync();
        var crm = await CrmAsync(http);
        var config = await http.CreateConfigAsync(crm, WithParameter("port", 1111));
        var url = $"{Configs(crm)}/{config["id"]}";

        var first = (await (await http.PostAsync($"{url}:publish", null)).ExpectAsync(HttpStatusCode.OK))["publishedRevisionId"]!.GetValue<string>();
        await (await http.PatchAsJsonAsync(url, new JsonObject { ["displayName"] = "Second", ["parameters"] = new JsonObject { ["port"] = 2222 } })).ExpectAsync(HttpStatusCode.OK);
        var second = (await (await http.PostAsync($"{url}:publish", null)).ExpectAsync(HttpStatusCode.OK))["publishedRevisionId"]!.GetValue<string>();
        Assert.NotEqual(first, second);

        var revisions = await (await http.GetAsync($"{url}/revisions")).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(2, revisions["total"]!.GetValue<int>());
        Assert.Equal([second, first], revisions["items"]!.AsArray().Select(r => r!["id"]!.GetValue<string>()));
        Assert.Equal([true, false], revisions["items"]!.AsArray().Select(r => r!["published"]!.GetValue<bool>()));

        var rolledBack = await (await http.PostAsJsonAsync($"{url}:rollback", new { revisionId = first })).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(first, rolledBack["publishedRevisionId"]!.GetValue<string>());
        Assert.Equal(1111, rolledBack["parameters"]!["port"]!.GetValue<int>());
        Assert.Equal("Prod", rolledBack["displayName"]!.GetValue<string>());

        var draft = await (await http.GetAsync(url)).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(first, draft["publishedRevisionId"]!.GetValue<string>());
        Assert.Equal(1111, draft["parameters"]!["port"]!.GetValue<int>());

        var after = await (await http.GetAsync($"{url}/revisions")).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal([false, true], after["items"]!.AsArray().Select(r => r!["published"]!.GetValue<bool>()));
    }

    [Fact]
    public async Task Rollback_to_an_unknown_revision_is_a_400_problem_and_changes_nothing()
    {
        using var http = await app.ClientAsync();
        var crm = await CrmAsync(http);
        var config = await http.CreateConfigAsync(crm, ValidConfig());
        var url = $"{Configs(crm)}/{config["id"]}";
        var published = (await (await http.PostAsync($"{url}:publish", null)).ExpectAsync(HttpStatusCode.OK))["publishedRevisionId"]!.GetValue<string>();

        await (await http.PostAsJsonAsync($"{url}:rollback", new { revisionId = Guid.NewGuid() })).ExpectValidationAsync("revisionId");

        var draft = await (await http.GetAsync(url)).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(published, draft["publishedRevisionId"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_revision_of_another_config_cannot_be_rolled_back_to_or_read()
    {
        using var http = await app.ClientAsync();
        var crm = await CrmAsync(http);
        var one = await http.CreateConfigAsync(crm, ValidConfig());
        var two = await http.CreateConfigAsync(crm, ValidConfig());
        var oneUrl = $"{Configs(crm)}/{one["id"]}";
        var twoUrl = $"{Configs(crm)}/{two["id"]}";
        var revisionOfOne = (await (await http.PostAsync($"{oneUrl}:publish", null)).ExpectAsync(HttpStatusCode.OK))["publishedRevisionId"]!.GetValue<string>();

        await (await http.PostAsJsonAsync($"{twoUrl}:rollback", new { revisionId = revisionOfOne })).ExpectValidationAsync("revisionId");
        await (await http.GetAsync($"{twoUrl}/revisions/{revisionOfOne}")).ExpectProblemAsync(HttpStatusCode.NotFound);
    }
}
