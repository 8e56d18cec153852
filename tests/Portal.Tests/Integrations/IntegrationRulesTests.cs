using Portal.Core.Common;
using Portal.Core.Integrations;

namespace Portal.Tests.Integrations;

public sealed partial class IntegrationRulesTests
{
    private static IntegrationInput Valid() => new() { Id = "crm", DisplayName = "CRM", Description = "Our CRM", Tags = ["sales", "eu"] };

    private static IntegrationInput WithMetadata(string configMetadataJson)
    {
        var input = Valid();
        input.ConfigMetadata = PortalJson.Deserialize<ConfigMetadata>(configMetadataJson);
        return input;
    }

    private static IReadOnlyDictionary<string, string[]> Check(IntegrationInput input, bool creating = true)
    {
        var errors = new ValidationErrors();
        IntegrationRules.Check(input, creating, errors);
        return errors.Any ? errors.ToError().Errors! : new Dictionary<string, string[]>();
    }

    private static string Only(IntegrationInput input) => Assert.Single(Check(input)).Key;

    [Fact]
    public void A_complete_valid_integration_has_no_errors()
    {
        var input = WithMetadata("""
            {
              "parametersMetadata": [
                {"name":"baseUrl","type":"String","required":true,"rules":[{"type":"url"}]},
                {"name":"port","type":"Integer","integerRange":{"min":1,"max":65535},"defaultValue":"443"},
                {"name":"apiToken","type":"String","secret":true,"required":true},
                {"name":"region","type":"String","options":["eu",{"value":"us","displayName":"US"}],"defaultValue":"eu"},
                {"name":"filter","type":"Json","jsonSchema":{"type":"object"},"defaultValue":"{}"}
              ],
              "authMetadata": [
                {"id":"oauth","type":"OAUTH2","authSettings":{"parameters":{
                  "authorizationUrl":"https://idp.example/authorize","tokenUrl":"https://idp.example/token",
                  "clientId":"portal","clientSecret":"s","scopes":["read","write"]}}},
                {"id":"key","type":"API_KEY","authSettings":{"parameters":{"testUrl":"https://crm.example/me","headerName":"X-Api-Key"}},
                 "parametersMetadata":[{"name":"apiKey","secret":true,"required":true}]}
              ]
            }
            """);
        Assert.Empty(Check(input));
    }

    // ---- id ----

    [Theory]
    [InlineData("crm")]
    [InlineData("CRM_v2-eu")]
    [InlineData("0")]
    [InlineData("3f2504e0-4f89-11d3-9a0c-0305e82c3301")]
    public void A_valid_id_is_accepted(string id)
    {
        var input = Valid();
        input.Id = id;
        Assert.Empty(Check(input));
    }

    [Fact]
    public void An_id_of_sixty_four_characters_is_accepted()
    {
        var input = Valid();
        input.Id = new string('a', 64);
        Assert.Empty(Check(input));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("my crm")]
    [InlineData(" crm")]
    [InlineData("crm/eu")]
    [InlineData("crm.eu")]
    [InlineData("crm\n")]
    public void An_invalid_id_is_refused_on_id(string? id)
    {
        var input = Valid();
        input.Id = id;
        Assert.Equal("id", Only(input));
    }

    [Fact]
    public void An_id_of_sixty_five_characters_is_refused()
    {
        var input = Valid();
        input.Id = new string('a', 65);
        Assert.Equal("id", Only(input));
    }

    [Fact]
    public void The_id_is_not_checked_on_update()
    {
        var input = Valid();
        input.Id = null;
        Assert.Empty(Check(input, creating: false));
    }

    // ---- displayName, description ----

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    public void A_display_name_is_required(string? displayName)
    {
        var input = Valid();
        input.DisplayName = displayName;
        Assert.Equal("displayName", Only(input));
    }

    [Fact]
    public void A_display_name_of_one_hundred_characters_is_accepted_and_of_one_hundred_and_one_refused()
    {
        var input = Valid();
        input.DisplayName = new string('n', 100);
        Assert.Empty(Check(input));
        input.DisplayName = new string('n', 101);
        Assert.Equal("displayName", Only(input));
    }

    [Fact]
    public void A_description_of_five_hundred_characters_is_accepted_and_of_five_hundred_and_one_refused()
    {
        var input = Valid();
        input.Description = new string('d', 500);
        Assert.Empty(Check(input));
        input.Description = new string('d', 501);
        Assert.Equal("description", Only(input));
    }

    [Fact]
    public void A_description_may_be_left_out()
    {
        var input = Valid();
        input.Description = null;
        Assert.Empty(Check(input));
    }

    // ---- tags ----

    [Fact]
    public void Twenty_tags_are_accepted_and_twenty_one_refused()
    {
        var input = Valid();
        input.Tags = Enumerable.Range(0, 20).Select(i => $"t{i}").ToList();
        Assert.Empty(Check(input));
        input.Tags.Add("t20");
        Assert.Equal("tags", Only(input));
    }

    [Theory]
    [InlineData("team:sales")]
    [InlineData("v1.2_beta-3")]
    public void A_tag_of_letters_digits_and_separators_is_accepted(string tag)
    {
        var input = Valid();
        input.Tags = [tag];
        Assert.Empty(Check(input));
    }

    [Theory]
    [InlineData("")]
    [InlineData("two words")]
    [InlineData("a/b")]
    [InlineData("ünï")]
    [InlineData("sales\n")]
    public void A_tag_outside_the_pattern_is_refused(string tag)
    {
        var input = Valid();
        input.Tags = ["ok", tag];
        Assert.Equal("tags", Only(input));
    }

    [Fact]
    public void A_tag_of_fifty_characters_is_accepted_and_of_fifty_one_refused()
    {
        var input = Valid();
        input.Tags = [new string('t', 50)];
        Assert.Empty(Check(input));
        input.Tags = [new string('t', 51)];
        Assert.Equal("tags", Only(input));
    }

    [Fact]
    public void A_null_tag_is_refused_rather_than_crashing()
    {
        var input = Valid();
        input.Tags = [null!];
        Assert.Equal("tags", Only(input));
    }
}
