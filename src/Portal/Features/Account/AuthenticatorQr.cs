using QRCoder;

namespace Portal.Features.Account;

/// <summary>The authenticator set-up URI as an inline SVG QR code, drawn on the server (no script, no outside service sees the key).</summary>
public static class AuthenticatorQr
{
    public static string Svg(string otpauthUri)
    {
        using var generator = new QRCodeGenerator();
        using var data = generator.CreateQrCode(otpauthUri, QRCodeGenerator.ECCLevel.Q);
        return new SvgQRCode(data).GetGraphic(4);
    }
}
