using Portal.Core.Configs;

namespace Portal.Tests.Configs;

public sealed partial class ConfigRulesTests
{
    // ---- signingSecretName, displayName, description ----

    [Theory]
    [InlineData("crm-signing")]
    [InlineData("a.b_c:d~e-f")]
    [InlineData("3kz2w7q5dt22x")]
    public void A_signing_secret_name_with_record_key_syntax_is_accepted(string name)
    {
        _content.Parameters["baseUrl"] = "https://crm.example";
        var errors = Apply(new ConfigInput { SigningSecretName = name });
        Assert.Empty(errors);
        Assert.Equal(name, _content.SigningSecretName);
    }

    [Theory]
    [InlineData("crm signing")]
    [InlineData("crm/signing")]
    [InlineData(".")]
    [InlineData("..")]
    [InlineData("näme")]
    [InlineData("crm-signing\n")]
    public void A_signing_secret_name_outside_record_key_syntax_is_refused(string name)
    {
        _content.Parameters["baseUrl"] = "https://crm.example";
        Assert.Equal("signingSecretName", Assert.Single(Apply(new ConfigInput { SigningSecretName = name })).Key);
    }

    [Fact]
    public void A_signing_secret_name_of_512_characters_is_accepted_and_of_513_refused()
    {
        _content.Parameters["baseUrl"] = "https://crm.example";
        Assert.Empty(Apply(new ConfigInput { SigningSecretName = new string('s', 512) }));
        Assert.Equal("signingSecretName", Assert.Single(Apply(new ConfigInput { SigningSecretName = new string('s', 513) })).Key);
    }

    [Fact]
    public void An_empty_signing_secret_name_unsets_it()
    {
        _content.Parameters["baseUrl"] = "https://crm.example";
        _content.SigningSecretName = "crm-signing";
        Assert.Empty(Apply(new ConfigInput { SigningSecretName = "" }));
        Assert.Null(_content.SigningSecretName);
    }

    [Fact]
    public void A_display_name_is_trimmed_and_limited_to_one_hundred_characters()
    {
        _content.Parameters["baseUrl"] = "https://crm.example";
        Assert.Empty(Apply(new ConfigInput { DisplayName = "  Staging  " }));
        Assert.Equal("Staging", _content.DisplayName);
        Assert.Equal("displayName", Assert.Single(Apply(new ConfigInput { DisplayName = new string('n', 101) })).Key);
    }

    [Fact]
    public void A_description_is_limited_to_five_hundred_characters_and_an_empty_one_unsets_it()
    {
        _content.Parameters["baseUrl"] = "https://crm.example";
        Assert.Equal("description", Assert.Single(Apply(new ConfigInput { Description = new string('d', 501) })).Key);
        Apply(new ConfigInput { Description = "" });
        Assert.Null(_content.Description);
    }

    // ---- views ----

    [Fact]
    public void Secret_states_say_only_which_secrets_are_set()
    {
        var states = ConfigRules.SecretStates(Metadata.ParametersMetadata, new() { ["apiToken"] = "s3cr3t" });
        var state = Assert.Single(states);
        Assert.Equal("apiToken", state.Key);
        Assert.True(state.Value.Set);
        Assert.False(Assert.Single(ConfigRules.SecretStates(Metadata.ParametersMetadata, null)).Value.Set);
    }
}
