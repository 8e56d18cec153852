using Portal.Core.Keys;

namespace Portal.Core.Tenancy;

/// <summary>
/// The one generator of passwords the portal hands out (the bootstrap admin's, a new member's initial password, an Admin's
/// reset of a member's password): 24 base62 characters from <c>RandomNumberGenerator</c> (about 143 bits), plus a fixed
/// tail that satisfies any password rule asking for a symbol, a capital, a small letter and a digit.
/// </summary>
public static class GeneratedPasswords
{
    public static string New() => SecretFormat.Mint("").Value[..24] + "-Aa1";
}
