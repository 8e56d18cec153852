using System.Text.Json.Nodes;
using Portal.Core.Integrations;

namespace Portal.Tests.Integrations;

public sealed partial class ParameterValidatorTests
{
    // ---- rules ----

    [Fact]
    public void A_regex_rule_accepts_a_matching_value()
    {
        var meta = Meta("""{"name":"code","rules":[{"type":"regex","value":"^[a-z]{3}$"}]}""");
        Assert.Empty(Check(meta, "\"abc\""));
    }

    [Fact]
    public void A_regex_rule_refuses_a_value_that_does_not_match()
    {
        var meta = Meta("""{"name":"code","rules":[{"type":"regex","value":"^[a-z]{3}$"}]}""");
        Assert.Equal(["code does not have the expected format."], Check(meta, "\"ABC\""));
    }

    [Fact]
    public void A_regex_rule_uses_its_custom_message()
    {
        var meta = Meta("""{"name":"code","rules":[{"type":"regex","value":"^[a-z]{3}$","message":"Three lowercase letters, please."}]}""");
        Assert.Equal(["Three lowercase letters, please."], Check(meta, "\"abcd\""));
    }

    [Fact]
    public void A_min_length_rule_refuses_a_shorter_value_and_accepts_the_exact_length()
    {
        var meta = Meta("""{"name":"code","rules":[{"type":"minLength","value":3}]}""");
        Assert.Equal(["code must be at least 3 characters long."], Check(meta, "\"ab\""));
        Assert.Empty(Check(meta, "\"abc\""));
    }

    [Fact]
    public void A_min_length_rule_uses_its_custom_message()
    {
        var meta = Meta("""{"name":"code","rules":[{"type":"minLength","value":3,"message":"Too short."}]}""");
        Assert.Equal(["Too short."], Check(meta, "\"ab\""));
    }

    [Fact]
    public void A_max_length_rule_refuses_a_longer_value_and_accepts_the_exact_length()
    {
        var meta = Meta("""{"name":"code","rules":[{"type":"maxLength","value":5}]}""");
        Assert.Equal(["code must be at most 5 characters long."], Check(meta, "\"abcdef\""));
        Assert.Empty(Check(meta, "\"abcde\""));
    }

    [Fact]
    public void A_max_length_rule_uses_its_custom_message()
    {
        var meta = Meta("""{"name":"code","rules":[{"type":"maxLength","value":5,"message":"Too long."}]}""");
        Assert.Equal(["Too long."], Check(meta, "\"abcdef\""));
    }

    [Theory]
    [InlineData("https://crm.example/api")]
    [InlineData("http://localhost:8080")]
    public void A_url_rule_accepts_an_absolute_http_or_https_url(string url)
    {
        var meta = Meta("""{"name":"baseUrl","rules":[{"type":"url"}]}""");
        Assert.Empty(ParameterValidator.Check(meta, JsonValue.Create(url)));
    }

    [Theory]
    [InlineData("crm.example")]
    [InlineData("/relative/path")]
    [InlineData("ftp://crm.example")]
    [InlineData("javascript:alert(1)")]
    [InlineData("not a url")]
    public void A_url_rule_refuses_anything_but_an_absolute_http_or_https_url(string url)
    {
        var meta = Meta("""{"name":"baseUrl","rules":[{"type":"url"}]}""");
        Assert.Equal(["baseUrl must be an absolute http(s) URL."], ParameterValidator.Check(meta, JsonValue.Create(url)));
    }

    [Fact]
    public void A_url_rule_uses_its_custom_message()
    {
        var meta = Meta("""{"name":"baseUrl","rules":[{"type":"url","message":"Give the CRM address."}]}""");
        Assert.Equal(["Give the CRM address."], Check(meta, "\"crm\""));
    }

    [Theory]
    [InlineData("ops@example.com")]
    [InlineData("a@b")]
    public void An_email_rule_accepts_an_address(string email)
    {
        var meta = Meta("""{"name":"contact","rules":[{"type":"email"}]}""");
        Assert.Empty(ParameterValidator.Check(meta, JsonValue.Create(email)));
    }

    [Theory]
    [InlineData("ops.example.com")]
    [InlineData("@example.com")]
    [InlineData("ops@")]
    public void An_email_rule_refuses_what_is_not_an_address(string email)
    {
        var meta = Meta("""{"name":"contact","rules":[{"type":"email"}]}""");
        Assert.Equal(["contact must be an e-mail address."], ParameterValidator.Check(meta, JsonValue.Create(email)));
    }

    [Fact]
    public void An_email_rule_uses_its_custom_message()
    {
        var meta = Meta("""{"name":"contact","rules":[{"type":"email","message":"Who should we write to?"}]}""");
        Assert.Equal(["Who should we write to?"], Check(meta, "\"nobody\""));
    }

    [Fact]
    public void A_not_empty_rule_refuses_whitespace()
    {
        var meta = Meta("""{"name":"team","rules":[{"type":"notEmpty"}]}""");
        Assert.Equal(["team must not be empty."], Check(meta, "\"   \""));
        Assert.Empty(Check(meta, "\" x \""));
    }

    [Fact]
    public void A_not_empty_rule_uses_its_custom_message()
    {
        var meta = Meta("""{"name":"team","rules":[{"type":"notEmpty","message":"Name a team."}]}""");
        Assert.Equal(["Name a team."], Check(meta, "\"\\t\""));
    }

    [Fact]
    public void Every_failing_rule_reports_its_own_message()
    {
        var meta = Meta("""
            {"name":"code","rules":[
              {"type":"minLength","value":5,"message":"short"},
              {"type":"regex","value":"^[0-9]+$","message":"digits"},
              {"type":"maxLength","value":10,"message":"long"}]}
            """);
        Assert.Equal(["short", "digits"], Check(meta, "\"ab\""));
    }

    [Fact]
    public void Rules_apply_only_to_string_values()
    {
        var meta = Meta("""{"name":"n","type":"Integer","rules":[{"type":"minLength","value":5},{"type":"regex","value":"^x$"}]}""");
        Assert.Empty(Check(meta, "12"));
    }

    [Fact]
    public void Rules_do_not_run_on_a_value_of_the_wrong_type()
    {
        var meta = Meta("""{"name":"code","type":"String","rules":[{"type":"minLength","value":5}]}""");
        Assert.Equal(["code must be a string."], Check(meta, "1"));
    }
}
