using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Portal.Core.Data.Migrations
{
    /// <inheritdoc />
    public partial class WebhookEventBodyBytes : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AlterColumn<byte[]>(
                name: "Body",
                table: "WebhookEvents",
                type: "BLOB",
                nullable: false,
                oldClrType: typeof(string),
                oldType: "TEXT");

            // Rows stored as text keep their text: the same UTF-8 bytes, now typed as a blob.
            if (migrationBuilder.IsSqlite())
            {
                migrationBuilder.Sql("UPDATE \"WebhookEvents\" SET \"Body\" = CAST(\"Body\" AS BLOB) WHERE typeof(\"Body\") = 'text';");
            }
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            // Back to text; bodies that were never text (binary posts) cannot be, so this direction is lossy for them.
            if (migrationBuilder.IsSqlite())
            {
                migrationBuilder.Sql("UPDATE \"WebhookEvents\" SET \"Body\" = CAST(\"Body\" AS TEXT) WHERE typeof(\"Body\") = 'blob';");
            }

            migrationBuilder.AlterColumn<string>(
                name: "Body",
                table: "WebhookEvents",
                type: "TEXT",
                nullable: false,
                oldClrType: typeof(byte[]),
                oldType: "BLOB");
        }
    }
}
