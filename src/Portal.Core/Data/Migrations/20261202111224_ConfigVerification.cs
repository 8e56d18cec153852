using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Portal.Core.Data.Migrations
{
    /// <inheritdoc />
    public partial class ConfigVerification : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<long>(
                name: "LastVerificationAt",
                table: "Configs",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "LastVerificationError",
                table: "Configs",
                type: "TEXT",
                maxLength: 500,
                nullable: true);

            migrationBuilder.AddColumn<bool>(
                name: "LastVerificationSuccess",
                table: "Configs",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AddColumn<long>(
                name: "LastVerifiedAt",
                table: "Configs",
                type: "INTEGER",
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "LastVerificationAt",
                table: "Configs");

            migrationBuilder.DropColumn(
                name: "LastVerificationError",
                table: "Configs");

            migrationBuilder.DropColumn(
                name: "LastVerificationSuccess",
                table: "Configs");

            migrationBuilder.DropColumn(
                name: "LastVerifiedAt",
                table: "Configs");
        }
    }
}
