using System.Diagnostics;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Portal.Core.SecretScanning;

namespace Portal.Features.SecretScanning;

/// <summary>
/// <c>POST /secret-scanning/github</c>: GitHub's secret scanning partner endpoint. Anonymous; the signature over the
/// raw body is the credential (checked in Core before anything is parsed). Neither the body nor a token is logged.
/// </summary>
public static class SecretScanningEndpoints
{
    public const string Path = "/secret-scanning/github";

    public static void MapSecretScanningEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapPost(Path, async Task<Results<Ok<IReadOnlyList<TokenLabel>>, ProblemHttpResult>> (
                HttpContext http,
                LeakIntakeService intake,
                [FromHeader(Name = "Github-Public-Key-Identifier")] string? keyIdentifier,
                [FromHeader(Name = "Github-Public-Key-Signature")] string? signature) =>
            {
                var outcome = await intake.ReceiveAsync(
                    new LeakReport(http.Request.Body, http.Request.ContentLength, keyIdentifier, signature, http.Connection.RemoteIpAddress?.ToString()),
                    http.RequestAborted);
                if (outcome is LeakIntakeOutcome.Unauthorized)
                {
                    // Not a bearer token: name the scheme that authenticates here (a 401 names one, RFC 9110).
                    http.Response.Headers.WWWAuthenticate = "Github-Public-Key-Signature";
                }

                return outcome switch
                {
                    LeakIntakeOutcome.Labelled labelled => TypedResults.Ok(labelled.Labels),
                    LeakIntakeOutcome.TooLarge tooLarge => TypedResults.Problem(statusCode: StatusCodes.Status413PayloadTooLarge, title: "Payload too large", detail: tooLarge.Detail),
                    LeakIntakeOutcome.Unauthorized refused => TypedResults.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "Unauthorized", detail: refused.Detail),
                    _ => throw new UnreachableException(),
                };
            })
            .AllowAnonymous()
            .DisableAntiforgery()
            .WithTags("Secret scanning").WithName("secretScanning.github")
            .WithSummary("Receives a GitHub secret scanning report of leaked portal keys; revokes (or flags) each one found.")
            .WithDescription("GitHub's secret scanning partner format: a JSON array of {token, type, url, source}, signed with ECDSA P-256 / SHA-256 " +
                "over the raw body (Github-Public-Key-Identifier, Github-Public-Key-Signature; keys from Portal:SecretScanning:GitHub). " +
                "A missing or wrong signature is 401 and nothing is looked up. Each token is labelled true_positive or false_positive by its " +
                "SHA-256 (token_hash), in the report's order; strings that fail a portal key's checksum are never looked up. " +
                "A body that is not such an array labels nothing (200 []). At most 4 MiB.")
            // "*/*": GitHub sends application/json, but a report is verified, not content-negotiated.
            .Accepts<Stream>(isOptional: true, "*/*")
            .ProducesProblem(StatusCodes.Status401Unauthorized).ProducesProblem(StatusCodes.Status413PayloadTooLarge);
    }
}
