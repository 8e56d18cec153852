using Portal.Core.Common;
using Portal.Core.Configs;
using Portal.Core.Integrations;

namespace Portal.Tests.Configs;

public sealed partial class ConfigRulesTests
{
    private static readonly ConfigMetadata Metadata = PortalJson.Deserialize<ConfigMetadata>("""
        {
          "parametersMetadata": [
            {"name":"baseUrl","type":"String","required":true,"rules":[{"type":"url"}]},
            {"name":"apiToken","type":"String","secret":true},
            {"name":"region","type":"String","options":["eu","us"]},
            {"name":"port","type":"Integer","integerRange":{"min":1,"max":65535}}
          ],
          "authMetadata": [
            {"id":"key","type":"API_KEY","parametersMetadata":[{"name":"apiKey","secret":true,"required":true},{"name":"account","type":"String"}]},
            {"id":"oauth","type":"OAUTH2","authSettings":{"parameters":{
              "authorizationUrl":"https://idp.example/authorize","tokenUrl":"https://idp.example/token","clientId":"portal"}},
             "parametersMetadata":[{"name":"tenantHint","type":"String"}]}
          ]
        }
        """);

    private readonly ConfigContent _content = new() { DisplayName = "Prod" };
    private readonly Dictionary<string, Dictionary<string, string>> _credentials = new(StringComparer.Ordinal);

    private static ConfigInput Input(string json) => PortalJson.Deserialize<ConfigInput>(json);

    private IReadOnlyDictionary<string, string[]> Apply(ConfigInput input, ConfigMetadata? metadata = null)
    {
        var errors = new ValidationErrors();
        ConfigRules.Apply(metadata ?? Metadata, _content, _credentials, input, errors);
        return errors.Any ? errors.ToError().Errors! : new Dictionary<string, string[]>();
    }

    private IReadOnlyDictionary<string, string[]> Apply(string json) => Apply(Input(json));

    private void Stored(string section, string name, string value)
    {
        if (!_credentials.TryGetValue(section, out var bag))
        {
            _credentials[section] = bag = new(StringComparer.Ordinal);
        }

        bag[name] = value;
    }

    private string? Credential(string section, string name) =>
        _credentials.TryGetValue(section, out var bag) && bag.TryGetValue(name, out var value) ? value : null;

    // ---- parameters ----

    [Fact]
    public void A_secret_parameter_goes_to_the_credential_bag_and_not_into_the_content()
    {
        var errors = Apply("""{"parameters":{"baseUrl":"https://crm.example","apiToken":"s3cr3t-token"}}""");
        Assert.Empty(errors);
        Assert.Equal("s3cr3t-token", Credential("parameters", "apiToken"));
        Assert.False(_content.Parameters.ContainsKey("apiToken"));
        Assert.DoesNotContain("s3cr3t-token", PortalJson.Serialize(_content), StringComparison.Ordinal);
        Assert.Equal("https://crm.example", _content.Parameters["baseUrl"]!.GetValue<string>());
    }

    [Fact]
    public void A_non_secret_parameter_is_kept_in_the_content_and_not_in_the_credential_bag()
    {
        Apply("""{"parameters":{"baseUrl":"https://crm.example","region":"eu","port":443}}""");
        Assert.Equal("eu", _content.Parameters["region"]!.GetValue<string>());
        Assert.Equal(443, _content.Parameters["port"]!.GetValue<int>());
        Assert.Empty(_credentials);
    }

    [Fact]
    public void An_omitted_secret_keeps_its_stored_value()
    {
        Stored("parameters", "apiToken", "old-token");
        _content.Parameters["baseUrl"] = "https://crm.example";
        Assert.Empty(Apply("""{"parameters":{"region":"us"}}"""));
        Assert.Equal("old-token", Credential("parameters", "apiToken"));
    }

    [Fact]
    public void A_new_secret_value_replaces_the_stored_one()
    {
        Stored("parameters", "apiToken", "old-token");
        Apply("""{"parameters":{"baseUrl":"https://crm.example","apiToken":"new-token"}}""");
        Assert.Equal("new-token", Credential("parameters", "apiToken"));
    }

    [Fact]
    public void A_null_secret_clears_the_stored_value()
    {
        Stored("parameters", "apiToken", "old-token");
        Assert.Empty(Apply("""{"parameters":{"baseUrl":"https://crm.example","apiToken":null}}"""));
        Assert.Null(Credential("parameters", "apiToken"));
        Assert.False(_content.Parameters.ContainsKey("apiToken"));
    }

    [Fact]
    public void Clearing_the_last_secret_of_a_section_drops_the_section()
    {
        Stored("parameters", "apiToken", "old-token");
        Apply("""{"parameters":{"baseUrl":"https://crm.example","apiToken":null}}""");
        Assert.False(_credentials.ContainsKey("parameters"));
    }

    [Fact]
    public void A_null_required_secret_is_cleared_and_then_reported_as_required()
    {
        Stored("auth", "apiKey", "old-key");
        _content.Auth = new StoredAuth { AuthMetadataId = "key" };
        _content.Parameters["baseUrl"] = "https://crm.example";
        var errors = Apply("""{"auth":{"authMetadataId":"key","parameters":{"apiKey":null}}}""");
        Assert.Null(Credential("auth", "apiKey"));
        Assert.Equal("auth.parameters.apiKey", Assert.Single(errors).Key);
    }

    [Fact]
    public void An_empty_secret_clears_the_stored_value_like_null()
    {
        Stored("parameters", "apiToken", "old-token");
        Assert.Empty(Apply("""{"parameters":{"baseUrl":"https://crm.example","apiToken":""}}"""));
        Assert.Null(Credential("parameters", "apiToken"));
        Assert.False(_content.Parameters.ContainsKey("apiToken"));
    }

    [Fact]
    public void An_empty_value_does_not_satisfy_a_required_secret()
    {
        Stored("auth", "apiKey", "old-key");
        _content.Auth = new StoredAuth { AuthMetadataId = "key" };
        _content.Parameters["baseUrl"] = "https://crm.example";
        var errors = Apply("""{"auth":{"authMetadataId":"key","parameters":{"apiKey":""}}}""");
        Assert.Equal("auth.parameters.apiKey", Assert.Single(errors).Key);
        Assert.Null(Credential("auth", "apiKey"));
    }

    [Fact]
    public void A_null_non_secret_parameter_is_removed_from_the_content()
    {
        _content.Parameters["baseUrl"] = "https://crm.example";
        _content.Parameters["region"] = "eu";
        Assert.Empty(Apply("""{"parameters":{"region":null}}"""));
        Assert.False(_content.Parameters.ContainsKey("region"));
        Assert.True(_content.Parameters.ContainsKey("baseUrl"));
    }

    [Fact]
    public void An_omitted_non_secret_parameter_keeps_its_value()
    {
        _content.Parameters["baseUrl"] = "https://crm.example";
        _content.Parameters["region"] = "eu";
        Apply("""{"parameters":{"port":8443}}""");
        Assert.Equal("eu", _content.Parameters["region"]!.GetValue<string>());
    }

    [Fact]
    public void An_unknown_parameter_is_refused_once_on_its_own_field()
    {
        var errors = Apply("""{"parameters":{"baseUrl":"https://crm.example","colour":"red"}}""");
        var field = Assert.Single(errors);
        Assert.Equal("parameters.colour", field.Key);
        Assert.Single(field.Value);
        Assert.False(_content.Parameters.ContainsKey("colour"));
    }

    [Fact]
    public void Parameter_values_are_validated_against_the_metadata()
    {
        var errors = Apply("""{"parameters":{"baseUrl":"crm","region":"ap","port":70000,"apiToken":12}}""");
        Assert.Equal(
            ["parameters.apiToken", "parameters.baseUrl", "parameters.port", "parameters.region"],
            errors.Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void A_missing_required_parameter_is_reported()
    {
        Assert.Equal("parameters.baseUrl", Assert.Single(Apply("""{"parameters":{}}""")).Key);
    }
}
