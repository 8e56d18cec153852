using Portal.Core.Integrations;

namespace Portal.Tests.Integrations;

public sealed partial class ParameterValidatorTests
{
    // ---- required and defaults ----

    [Fact]
    public void A_required_parameter_without_a_value_is_refused()
    {
        var meta = Meta("""{"name":"baseUrl","displayName":"Base URL","required":true}""");
        Assert.Equal(["Base URL is required."], ParameterValidator.Check(meta, null));
        Assert.Equal(["Base URL is required."], Check(meta, "\"\""));
    }

    [Fact]
    public void A_required_parameter_with_a_default_value_may_be_left_out()
    {
        var meta = Meta("""{"name":"region","required":true,"defaultValue":"eu"}""");
        Assert.Empty(ParameterValidator.Check(meta, null));
    }

    [Fact]
    public void An_optional_parameter_may_be_left_out()
    {
        var meta = Meta("""{"name":"region","type":"Integer","rules":[{"type":"notEmpty"}]}""");
        Assert.Empty(ParameterValidator.Check(meta, null));
    }

    [Fact]
    public void A_required_parameter_with_a_value_passes()
    {
        var meta = Meta("""{"name":"port","type":"Integer","required":true}""");
        Assert.Empty(Check(meta, "443"));
    }

    // ---- jsonSchema ----

    private const string ObjectSchema = """
        {"type":"object","properties":{"retries":{"type":"integer","minimum":0},"mode":{"enum":["fast","safe"]}},"required":["retries"]}
        """;

    [Fact]
    public void A_value_valid_against_its_json_schema_is_accepted()
    {
        var meta = new ParameterMetadata { Name = "policy", Type = ParameterType.Json, JsonSchema = Json(ObjectSchema) };
        Assert.Empty(Check(meta, """{"retries":3,"mode":"safe"}"""));
    }

    [Fact]
    public void A_value_invalid_against_its_json_schema_is_refused_with_the_parameter_named()
    {
        var meta = new ParameterMetadata { Name = "policy", DisplayName = "Retry policy", Type = ParameterType.Json, JsonSchema = Json(ObjectSchema) };
        var errors = Check(meta, """{"retries":"three"}""");
        Assert.NotEmpty(errors);
        Assert.All(errors, e => Assert.StartsWith("Retry policy does not match its schema", e, StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("retries", StringComparison.Ordinal));
    }

    [Fact]
    public void A_value_missing_a_property_its_json_schema_requires_is_refused()
    {
        var meta = new ParameterMetadata { Name = "policy", Type = ParameterType.Json, JsonSchema = Json(ObjectSchema) };
        Assert.Single(Check(meta, """{"mode":"fast"}"""));
    }

    [Fact]
    public void A_json_schema_also_constrains_a_string_parameter()
    {
        var meta = new ParameterMetadata { Name = "code", JsonSchema = Json("""{"type":"string","maxLength":3}""") };
        Assert.Empty(Check(meta, "\"abc\""));
        Assert.Single(Check(meta, "\"abcd\""));
    }

    [Fact]
    public void At_most_five_schema_problems_are_reported()
    {
        var schema = """{"type":"object","properties":{"a":{"type":"integer"},"b":{"type":"integer"},"c":{"type":"integer"},"d":{"type":"integer"},"e":{"type":"integer"},"f":{"type":"integer"},"g":{"type":"integer"}}}""";
        var meta = new ParameterMetadata { Name = "p", Type = ParameterType.Json, JsonSchema = Json(schema) };
        Assert.Equal(5, Check(meta, """{"a":"x","b":"x","c":"x","d":"x","e":"x","f":"x","g":"x"}""").Count);
    }
}
