using System.Security.Cryptography;
using Microsoft.AspNetCore.DataProtection;
using Portal.Core.Keys;

namespace Portal.Tests.Keys;

public sealed class CredentialProtectorTests
{
    private readonly CredentialProtector _protector = new(new EphemeralDataProtectionProvider());

    private static Dictionary<string, Dictionary<string, string>> Bag() => new(StringComparer.Ordinal)
    {
        ["parameters"] = new(StringComparer.Ordinal) { ["apiToken"] = "tok-Sup3rS3cret-value" },
        ["auth"] = new(StringComparer.Ordinal) { ["clientSecret"] = "cs-0th3rS3cret", ["password"] = "hunter2!" },
        ["authMap:eu"] = new(StringComparer.Ordinal) { ["apiKey"] = "key-\"quoted\"-ünïcode" },
    };

    [Fact]
    public void A_protected_bag_unprotects_to_the_same_values()
    {
        var bag = Bag();
        var back = _protector.UnprotectBag(_protector.ProtectBag(bag));
        Assert.Equal(bag.Keys.Order(StringComparer.Ordinal), back.Keys.Order(StringComparer.Ordinal));
        foreach (var (section, values) in bag)
        {
            Assert.Equal(values, back[section]);
        }
    }

    [Fact]
    public void The_ciphertext_of_a_bag_contains_no_plaintext()
    {
        var ciphertext = _protector.ProtectBag(Bag());
        Assert.NotNull(ciphertext);
        foreach (var plain in new[] { "tok-Sup3rS3cret-value", "Sup3rS3cret", "cs-0th3rS3cret", "hunter2", "apiToken", "clientSecret" })
        {
            Assert.DoesNotContain(plain, ciphertext, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Protecting_the_same_bag_twice_gives_different_ciphertexts()
    {
        Assert.NotEqual(_protector.ProtectBag(Bag()), _protector.ProtectBag(Bag()));
    }

    [Fact]
    public void An_empty_bag_is_stored_as_null()
    {
        Assert.Null(_protector.ProtectBag(new Dictionary<string, Dictionary<string, string>>()));
    }

    [Fact]
    public void A_bag_of_only_empty_sections_is_stored_as_null()
    {
        Assert.Null(_protector.ProtectBag(new Dictionary<string, Dictionary<string, string>> { ["parameters"] = [], ["auth"] = [] }));
    }

    [Fact]
    public void Unprotecting_null_gives_an_empty_bag()
    {
        Assert.Empty(_protector.UnprotectBag(null));
    }

    [Fact]
    public void A_single_value_round_trips_and_is_not_readable_in_its_ciphertext()
    {
        var ciphertext = _protector.Protect("plain-credential");
        Assert.DoesNotContain("plain-credential", ciphertext, StringComparison.Ordinal);
        Assert.Equal("plain-credential", _protector.Unprotect(ciphertext));
    }

    [Fact]
    public void A_ciphertext_from_another_key_ring_is_refused()
    {
        var ciphertext = _protector.ProtectBag(Bag());
        var other = new CredentialProtector(new EphemeralDataProtectionProvider());
        Assert.ThrowsAny<CryptographicException>(() => other.UnprotectBag(ciphertext));
    }

    [Fact]
    public void A_tampered_ciphertext_is_refused()
    {
        var ciphertext = _protector.Protect("plain-credential").ToCharArray();
        var i = ciphertext.Length / 2;
        ciphertext[i] = ciphertext[i] == 'A' ? 'B' : 'A';
        Assert.ThrowsAny<CryptographicException>(() => _protector.Unprotect(new string(ciphertext)));
    }
}
