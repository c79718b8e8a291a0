# The sign-up sheet the import and sharing benchmarks read (subscribers.sh,
# import-encrypted.sh, share.sh): ROWS people with names, cities, ZIP codes, languages
# and tags, a bad address every 1,000 rows and a duplicate every 1,500
# (none with `clean`: every row a new, good address), always the same (a
# fixed seed).
# Usage: signups_csv ROWS FILE [clean]
signups_csv() {
  awk -v rows="$1" -v clean="${3:-}" 'BEGIN {
    srand(42);
    split("Ana Ben Carmen Deshawn Esther Farah Gabriel Hana Ibrahim Julia Kwame Lucia Marcus Nadia Omar Priya Rosa Samuel Tamika Victor", first, " ");
    split("Alvarez Brooks Cruz Dubois Evans Farouk Gomes Haddad Ito Jones Kowalski Lopes Nguyen Okafor Patel", last, " ");
    split("Boston Cambridge Somerville Chelsea Quincy Malden", city, " ");
    split("en es pt", lang, " ");
    split("volunteer|student|union|volunteer, student||", tags, "|");
    print "Email Address,First Name,Last Name,City,Zip,Language,Tags";
    for (i = 1; i <= rows; i++) {
      f = first[int(rand() * 20) + 1]; l = last[int(rand() * 15) + 1];
      email = tolower(f) "." tolower(l) i "@example.org";
      if (clean) {}
      else if (i % 1000 == 0) email = "not-an-address-" i;      # a bad address now and then
      else if (i % 1500 == 0) email = previous;                 # a duplicate of the row before
      previous = email;
      printf "%s,%s,%s,%s,02%03d,%s,\"%s\"\n", email, f, l, city[int(rand() * 6) + 1], int(rand() * 200), lang[int(rand() * 3) + 1], tags[int(rand() * 6) + 1];
    }
  }' > "$2"
}
