using Portal.Core.Keys;

namespace Portal.Tests.Keys;

public sealed class SecretFormatTests
{
    private const string Prefix = "whk_";
    private const string Base62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

    // prefix + base62 of 32 random bytes (43 digits) + 6-char checksum
    private const int KeyLength = 4 + 43 + SecretFormat.ChecksumLength;

    [Fact]
    public void A_minted_key_starts_with_its_prefix()
    {
        Assert.StartsWith(Prefix, SecretFormat.Mint(Prefix).Value, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_minted_key_of_a_kind_has_the_same_fixed_length()
    {
        for (var i = 0; i < 200; i++)
        {
            Assert.Equal(KeyLength, SecretFormat.Mint(Prefix).Value.Length);
        }
    }

    [Fact]
    public void A_minted_key_has_only_base62_characters_after_the_prefix()
    {
        for (var i = 0; i < 50; i++)
        {
            var body = SecretFormat.Mint(Prefix).Value[Prefix.Length..];
            Assert.All(body, c => Assert.Contains(c, Base62));
        }
    }

    [Fact]
    public void Two_mints_never_give_the_same_key()
    {
        var keys = Enumerable.Range(0, 100).Select(_ => SecretFormat.Mint(Prefix).Value).ToList();
        Assert.Equal(keys.Count, keys.Distinct(StringComparer.Ordinal).Count());
    }

    [Theory]
    [InlineData("whk_")]
    [InlineData("mcp_")]
    [InlineData("integsk_")]
    [InlineData("pcs_")]
    public void A_minted_key_is_well_formed_for_its_prefix(string prefix)
    {
        Assert.True(SecretFormat.IsWellFormed(prefix, SecretFormat.Mint(prefix).Value));
    }

    [Fact]
    public void Changing_any_single_character_of_a_key_makes_it_malformed()
    {
        var key = SecretFormat.Mint(Prefix).Value;
        for (var position = 0; position < key.Length; position++)
        {
            // every other base62 character, plus characters a scanner or a copy-paste might bring in
            foreach (var replacement in (Base62 + "-_+/=. ").Where(c => c != key[position]))
            {
                var typo = key.ToCharArray();
                typo[position] = replacement;
                Assert.False(
                    SecretFormat.IsWellFormed(Prefix, new string(typo)),
                    $"Changing position {position} from '{key[position]}' to '{replacement}' went unnoticed.");
            }
        }
    }

    [Fact]
    public void Swapping_two_neighbouring_characters_of_a_key_makes_it_malformed()
    {
        var key = SecretFormat.Mint(Prefix).Value;
        for (var position = Prefix.Length; position < key.Length - 1; position++)
        {
            if (key[position] == key[position + 1])
            {
                continue;
            }

            var typo = key.ToCharArray();
            (typo[position], typo[position + 1]) = (typo[position + 1], typo[position]);
            Assert.False(SecretFormat.IsWellFormed(Prefix, new string(typo)), $"Swapping positions {position} and {position + 1} went unnoticed.");
        }
    }

    [Fact]
    public void A_key_is_not_well_formed_for_another_prefix()
    {
        var key = SecretFormat.Mint(Prefix).Value;
        Assert.False(SecretFormat.IsWellFormed("mcp_", key));
        Assert.False(SecretFormat.IsWellFormed("integsk_", key));
        Assert.False(SecretFormat.IsWellFormed("whk", key));
    }

    [Fact]
    public void A_key_given_another_prefix_fails_its_checksum()
    {
        var key = SecretFormat.Mint(Prefix).Value;
        Assert.False(SecretFormat.IsWellFormed("mcp_", "mcp_" + key[Prefix.Length..]));
    }

    [Fact]
    public void A_key_that_is_too_long_or_too_short_is_not_well_formed()
    {
        var key = SecretFormat.Mint(Prefix).Value;
        Assert.False(SecretFormat.IsWellFormed(Prefix, key + "0"));
        Assert.False(SecretFormat.IsWellFormed(Prefix, "0" + key));
        Assert.False(SecretFormat.IsWellFormed(Prefix, key[..^1]));
        Assert.False(SecretFormat.IsWellFormed(Prefix, Prefix));
        Assert.False(SecretFormat.IsWellFormed(Prefix, ""));
    }

    [Fact]
    public void A_key_with_surrounding_whitespace_is_not_well_formed()
    {
        var key = SecretFormat.Mint(Prefix).Value;
        Assert.False(SecretFormat.IsWellFormed(Prefix, " " + key));
        Assert.False(SecretFormat.IsWellFormed(Prefix, key + "\n"));
    }

    [Fact]
    public void A_null_key_is_not_well_formed()
    {
        Assert.False(SecretFormat.IsWellFormed(Prefix, null));
    }

    [Fact]
    public void The_display_prefix_is_the_kind_prefix_and_the_first_eight_characters()
    {
        var secret = SecretFormat.Mint(Prefix);
        Assert.Equal(Prefix.Length + SecretFormat.DisplayLength, secret.DisplayPrefix.Length);
        Assert.Equal(secret.Value[..(Prefix.Length + 8)], secret.DisplayPrefix);
        Assert.Equal(secret.DisplayPrefix, SecretFormat.Display(Prefix, secret.Value));
    }

    [Theory]
    [InlineData("whk_abc")]
    [InlineData("whk_operator-chosen-password-2024")]
    [InlineData("not-even-the-prefix-but-long-enough")]
    public void A_value_the_portal_did_not_mint_displays_only_a_fingerprint(string value)
    {
        var display = SecretFormat.Display(Prefix, value);
        Assert.Equal("sha256:" + SecretFormat.Hash(value)[..8], display);
        Assert.DoesNotContain(value[..4], display, StringComparison.Ordinal);
    }

    [Fact]
    public void A_minted_standard_webhooks_secret_displays_its_prefix_and_eight_characters()
    {
        var secret = SecretFormat.MintStandardWebhooks("whsec_");
        Assert.Equal(secret.Value[..("whsec_".Length + 8)], secret.DisplayPrefix);
    }

    [Fact]
    public void The_hash_is_the_lowercase_hex_sha256_of_the_key()
    {
        // SHA-256("abc"), FIPS 180-2 test vector
        Assert.Equal("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", SecretFormat.Hash("abc"));
    }

    [Fact]
    public void The_hash_of_a_key_is_the_same_every_time_and_differs_between_keys()
    {
        var a = SecretFormat.Mint(Prefix).Value;
        var b = SecretFormat.Mint(Prefix).Value;
        Assert.Equal(SecretFormat.Hash(a), SecretFormat.Hash(a));
        Assert.NotEqual(SecretFormat.Hash(a), SecretFormat.Hash(b));
        Assert.Matches("^[0-9a-f]{64}$", SecretFormat.Hash(a));
        Assert.DoesNotContain(a[Prefix.Length..], SecretFormat.Hash(a), StringComparison.Ordinal);
    }

    [Fact]
    public void Hashes_of_the_same_key_compare_equal()
    {
        var key = SecretFormat.Mint(Prefix).Value;
        Assert.True(SecretFormat.HashEquals(SecretFormat.Hash(key), SecretFormat.Hash(key)));
    }

    [Fact]
    public void Hashes_of_different_keys_or_of_different_lengths_compare_unequal()
    {
        var a = SecretFormat.Hash(SecretFormat.Mint(Prefix).Value);
        var b = SecretFormat.Hash(SecretFormat.Mint(Prefix).Value);
        Assert.False(SecretFormat.HashEquals(a, b));
        Assert.False(SecretFormat.HashEquals(a, a[..^1]));
        Assert.False(SecretFormat.HashEquals(a, ""));
    }

    [Fact]
    public void A_secret_printed_or_interpolated_never_shows_its_value()
    {
        var secret = SecretFormat.Mint(Prefix);
        var body = secret.Value[(Prefix.Length + SecretFormat.DisplayLength)..];
        Assert.DoesNotContain(secret.Value, secret.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(body, $"minted {secret}", StringComparison.Ordinal);
        Assert.Contains(secret.DisplayPrefix, secret.ToString(), StringComparison.Ordinal);
    }
}
